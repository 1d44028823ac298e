//! Media files for tests, and an MCP client that shares roots.
//!
//! The files carry the headers `media_probe` measures and are padded with zeros
//! to any size by extending them (sparse on most file systems), so limit tests at
//! 30 or 50 MB cost no real disk space.
// MCP roots are deprecated by SEP-2577, yet they are what clients send today.
#![allow(deprecated)]

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use rmcp::{
    ErrorData, RoleClient, ServiceExt,
    model::{ClientCapabilities, ClientConfig, Implementation},
    service::{RequestContext, RunningService},
};

pub const MIB: u64 = 1024 * 1024;

/// A PNG header of `width` x `height` (the probe reads IHDR only).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(13_u32.to_be_bytes());
    out.extend(b"IHDR");
    out.extend(width.to_be_bytes());
    out.extend(height.to_be_bytes());
    out.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    out
}

/// A WAV header for `data_len` bytes of samples at `byte_rate` bytes a second;
/// the file must be padded to `44 + data_len`.
pub fn wav(byte_rate: u32, data_len: u32) -> Vec<u8> {
    let mut out = b"RIFF".to_vec();
    out.extend((36 + data_len).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16_u32.to_le_bytes());
    out.extend(1_u16.to_le_bytes()); // PCM
    out.extend(1_u16.to_le_bytes()); // mono
    out.extend(byte_rate.to_le_bytes()); // 8-bit mono: samples a second = bytes a second
    out.extend(byte_rate.to_le_bytes());
    out.extend(1_u16.to_le_bytes());
    out.extend(8_u16.to_le_bytes());
    out.extend(b"data");
    out.extend(data_len.to_le_bytes());
    out
}

/// An MP4 (`ftyp` + `moov/mvhd`) lasting `millis` milliseconds.
pub fn mp4(millis: u32) -> Vec<u8> {
    let boxed = |kind: &[u8; 4], body: &[u8]| {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend(kind);
        out.extend(body);
        out
    };
    let mut mvhd = vec![0_u8; 12];
    mvhd.extend(1000_u32.to_be_bytes());
    mvhd.extend(millis.to_be_bytes());
    mvhd.extend([0; 80]);
    let mut out = boxed(b"ftyp", b"isom\0\0\x02\0isommp41");
    out.extend(boxed(b"moov", &boxed(b"mvhd", &mvhd)));
    out
}

/// Writes `head` to `dir/name` and pads the file with zeros to `len` bytes.
pub fn write(dir: &Path, name: &str, head: &[u8], len: u64) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, head).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len.max(head.len() as u64)).unwrap();
    path
}

/// A `file://` URI for a test folder (temp paths need no percent-encoding).
pub fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// An MCP client that declares roots and lists the ones in `roots`.
#[derive(Clone, Default)]
pub struct RootsClient {
    pub roots: Arc<Mutex<Vec<String>>>,
}

impl rmcp::ClientHandler for RootsClient {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder()
                .enable_roots()
                .enable_roots_list_changed()
                .build(),
            Implementation::new("roots-test-client", "1.0.0"),
        )
    }

    async fn list_roots(
        &self,
        _context: RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ListRootsResult, ErrorData> {
        let uris = self.roots.lock().unwrap().clone();
        let roots = uris.into_iter().map(rmcp::model::Root::new).collect();
        Ok(rmcp::model::ListRootsResult::new(roots))
    }
}

/// A client with `roots` talking to `server` over in-memory pipes.
pub async fn connect_with_roots(
    server: seedance_mcp::mcp::SeedanceServer,
    roots: Vec<String>,
) -> (RunningService<RoleClient, RootsClient>, RootsClient) {
    let client = RootsClient::default();
    *client.roots.lock().unwrap() = roots;
    let (client_io, server_io) = tokio::io::duplex(1 << 20);
    let (read, write) = tokio::io::split(server_io);
    tokio::spawn(async move {
        let _ = seedance_mcp::mcp::transport::serve_io(server, read, write).await;
    });
    (client.clone().serve(client_io).await.unwrap(), client)
}
