//! What every function's `main` does: JSON logs, the [`App`] built once at
//! cold start, and the Lambda runtime loop around a shared handler (an HTTP
//! one in its request's span, see [`crate::http::span`]).

use crate::App;
use lambda_http::{Body, Request, Response};
use std::future::Future;
use std::sync::Arc;

pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::util::SubscriberInitExt::init(json_logs(filter, std::io::stdout));
}

/// The log format: one JSON object per line, with the current span's fields
/// (`span`: operation, org, target, caller) and every enclosing span
/// (`spans`, which includes the runtime's `requestId`).
pub fn json_logs<W>(
    filter: tracing_subscriber::EnvFilter,
    writer: W,
) -> impl tracing::Subscriber + Send + Sync + 'static
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(true)
        .with_target(false)
        .without_time()
        .with_writer(writer)
        .finish()
}

async fn build_app() -> Result<Arc<App>, lambda_runtime::Error> {
    init_tracing();
    let app = App::from_env().await.map_err(|err| {
        tracing::error!(error = %err, "configuration error");
        err
    })?;
    Ok(Arc::new(app))
}

/// Runs an HTTP handler (API Gateway HTTP API payload v2).
pub async fn serve_http<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(Arc<App>, Request) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    let app = build_app().await?;
    lambda_http::run(lambda_http::service_fn(move |req: Request| {
        let app = app.clone();
        async move {
            Ok::<_, std::convert::Infallible>(crate::http::span::traced(handler, app, req).await)
        }
    }))
    .await
}

/// Runs a handler for a non-HTTP event (stream batch, schedule).
pub async fn serve_event<E, R, F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    E: serde::de::DeserializeOwned + Send + 'static,
    R: serde::Serialize + Send + 'static,
    F: Fn(Arc<App>, lambda_runtime::LambdaEvent<E>) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<R, lambda_runtime::Error>> + Send + 'static,
{
    let app = build_app().await?;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<E>| {
            let app = app.clone();
            async move { handler(app, event).await }
        },
    ))
    .await
}
