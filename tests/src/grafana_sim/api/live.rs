//! `GET /api/live/ws`: Grafana Live's websocket, reduced to what a proxy test needs: a JSON hello
//! on connect, then every text frame echoed back.

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::json;

use crate::grafana_sim::SharedState;

pub(super) async fn websocket(
    State(shared): State<SharedState>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let hello = json!({ "type": "hello", "server": "grafana-sim", "version": shared.version });
    upgrade.on_upgrade(move |socket| session(socket, hello.to_string()))
}

async fn session(mut socket: WebSocket, hello: String) {
    if socket.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    while let Some(Ok(message)) = socket.recv().await {
        let echo = match message {
            Message::Text(text) => Message::Text(text),
            Message::Close(_) => return,
            // Pings are answered by the websocket layer; binary frames are not part of the echo.
            _ => continue,
        };
        if socket.send(echo).await.is_err() {
            return;
        }
    }
}
