//! A structured tool result with one picture beside it, for clients that
//! show images (a video's preview strip, an extracted frame's thumbnail).

use base64::Engine;
use rmcp::{
    handler::server::tool::IntoCallToolResult,
    model::{CallToolResponse, CallToolResult, ContentBlock, ErrorData},
};
use serde::Serialize;

/// `value` as structured content, then the PNG, when there is one.
pub struct WithImage<T> {
    value: T,
    png: Option<Vec<u8>>,
}

impl<T> WithImage<T> {
    pub fn new(value: T, png: Option<Vec<u8>>) -> Self {
        Self { value, png }
    }
}

impl<T: Serialize> IntoCallToolResult for WithImage<T> {
    fn into_call_tool_result(self) -> Result<CallToolResponse, ErrorData> {
        let value = serde_json::to_value(self.value).map_err(|e| {
            ErrorData::internal_error(format!("the result could not be serialised: {e}"), None)
        })?;
        let mut result = CallToolResult::structured(value);
        if let Some(png) = self.png {
            let data = base64::engine::general_purpose::STANDARD.encode(png);
            result.content.push(ContentBlock::image(data, "image/png"));
        }
        Ok(result.into())
    }
}
