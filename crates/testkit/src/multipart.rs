//! A `multipart/form-data` body as a browser sends an upload: text fields, then one file.

/// The boundary between the parts.
pub const BOUNDARY: &str = "----cho-tinh-7MA4YWxkTrZu0gW";

/// The `Content-Type` header of a body made by [`form`].
pub fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// The text `fields` (name, value), then `file` under the field `file` as `filename`, declared
/// `file_type`.
pub fn form(fields: &[(&str, &str)], file: &[u8], filename: &str, file_type: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(file.len() + 512);
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"{filename}\"\r\nContent-Type: {file_type}\r\n\r\n"
        )
        .into_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").into_bytes());
    body
}
