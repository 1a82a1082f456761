//! A minimal websocket client over a raw TCP stream (RFC 6455 framing for short text frames),
//! enough to prove the gateway joins a browser's websocket to Grafana's.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::PATIENCE;

pub struct Socket {
    stream: TcpStream,
}

/// Sends the upgrade for `path` with `headers`; returns the status line and headers of the
/// answer, and the socket when it was `101`.
pub async fn connect(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (String, Option<Socket>) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let head = tokio::time::timeout(PATIENCE, read_head(&mut stream))
        .await
        .expect("an answer to the upgrade");
    let upgraded = head.starts_with("HTTP/1.1 101");
    (head, upgraded.then_some(Socket { stream }))
}

async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

impl Socket {
    pub async fn send_text(&mut self, text: &str) {
        let payload = text.as_bytes();
        assert!(payload.len() < 126, "short frames only");
        let mask = [0x12u8, 0x34, 0x56, 0x78];
        let mut frame = vec![0x81, 0x80 | payload.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).await.unwrap();
    }

    /// The next text frame from the server.
    pub async fn recv_text(&mut self) -> String {
        tokio::time::timeout(PATIENCE, async {
            loop {
                let mut head = [0u8; 2];
                self.stream.read_exact(&mut head).await.unwrap();
                let len = match head[1] & 0x7f {
                    126 => {
                        let mut ext = [0u8; 2];
                        self.stream.read_exact(&mut ext).await.unwrap();
                        usize::from(u16::from_be_bytes(ext))
                    }
                    127 => panic!("frame too long for this client"),
                    n => usize::from(n),
                };
                let mut payload = vec![0u8; len];
                self.stream.read_exact(&mut payload).await.unwrap();
                if head[0] & 0x0f == 0x1 {
                    return String::from_utf8(payload).unwrap();
                }
            }
        })
        .await
        .expect("a frame from the server")
    }
}
