//! TEMPORARY placeholder until the real renderer lands.
#[derive(Debug, Clone)]
pub struct ClipSpec {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub duration_secs: u32,
    pub seed: u64,
    pub caption: String,
}
#[derive(Debug, Clone)]
pub struct StillSpec {
    pub width: u32,
    pub height: u32,
    pub seed: u64,
    pub caption: String,
}
pub fn render_mp4(_spec: &ClipSpec) -> Vec<u8> {
    Vec::new()
}
pub fn render_png(_spec: &StillSpec) -> Vec<u8> {
    Vec::new()
}
pub fn frame_size_for_ratio(_ratio: &str) -> (u32, u32) {
    (320, 180)
}
