//! What every function's `main` does: JSON logs, the [`App`] built once at
//! cold start, and the Lambda runtime loop around a shared handler (an HTTP
//! one in its request's span, see [`crate::http::span`]).

use crate::App;
use lambda_http::{Body, Request, Response};
use std::future::Future;
use std::sync::Arc;
use tracing_subscriber::filter::{LevelFilter, Targets};

/// The most verbose records any function writes, whatever `RUST_LOG` asks.
/// At TRACE, `lambda_runtime` logs every raw event (bearer JWTs, invitation
/// secrets in accept and preview bodies, `rst_` tokens sent to
/// introspection, whole CSV uploads) and the AWS SDK every request and
/// response (mail bodies with their invitation links, table items); nothing
/// any crate of the process logs at DEBUG carries a body or a header.
pub const MOST_VERBOSE: LevelFilter = LevelFilter::DEBUG;

pub fn init_tracing() {
    let filter = log_filter(std::env::var("RUST_LOG").ok().as_deref());
    let capped = most_verbose_asked(&filter) > MOST_VERBOSE;
    tracing_subscriber::util::SubscriberInitExt::init(json_logs(filter, std::io::stdout));
    if capped {
        tracing::warn!("RUST_LOG asks for TRACE: records are kept at DEBUG at most");
    }
}

/// `RUST_LOG` as a list of `target=level` and a default `level` (`info`
/// when unset or unreadable). A [`Targets`] filter rather than an
/// `EnvFilter`: the functions never need span or field filters, and
/// `EnvFilter` links a regular-expression engine into every function.
pub fn log_filter(rust_log: Option<&str>) -> Targets {
    rust_log
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

fn most_verbose_asked(filter: &Targets) -> LevelFilter {
    filter
        .iter()
        .map(|(_, level)| level)
        .chain(filter.default_level())
        .max()
        .unwrap_or(LevelFilter::OFF)
}

/// The log format: one JSON object per line, with the current span's fields
/// (`span`: operation, org, target, caller) and every enclosing span
/// (`spans`, which includes the runtime's `requestId`). `filter` selects the
/// records, within [`MOST_VERBOSE`].
pub fn json_logs<W>(filter: Targets, writer: W) -> impl tracing::Subscriber + Send + Sync + 'static
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;
    let format = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_target(false)
        .without_time()
        .with_writer(writer);
    tracing_subscriber::registry()
        .with(filter)
        .with(MOST_VERBOSE)
        .with(format)
}

async fn build_app() -> Result<Arc<App>, lambda_runtime::Error> {
    init_tracing();
    let app = App::from_env().await.inspect_err(|err| {
        tracing::error!(error = %crate::error_chain::ErrorChain(err), "configuration error");
    })?;
    Ok(Arc::new(app))
}

/// Runs an HTTP handler (API Gateway HTTP API payload v2), with
/// `Idempotency-Key` support for POSTs ([`crate::http::idempotency`]).
///
/// Generic only in name: the handler's future is boxed at once, so the
/// runtime, the span and the idempotency layer are compiled once, in this
/// crate, rather than again in each of the functions' binaries (which is
/// what made a release build of every function slow).
pub async fn serve_http<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(Arc<App>, Request) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    serve_boxed_http(Arc::new(move |app, req| Box::pin(handler(app, req)))).await
}

type BoxedResponse = std::pin::Pin<Box<dyn Future<Output = Response<Body>> + Send>>;
type SharedHttpHandler = Arc<dyn Fn(Arc<App>, Request) -> BoxedResponse + Send + Sync>;

async fn serve_boxed_http(handler: SharedHttpHandler) -> Result<(), lambda_http::Error> {
    let app = build_app().await?;
    lambda_http::run(lambda_http::service_fn(move |req: Request| {
        let (app, handler) = (app.clone(), handler.clone());
        async move {
            Ok::<_, std::convert::Infallible>(
                crate::http::span::traced(
                    move |app, req| {
                        crate::http::idempotency::guard(app, req, move |app, req| handler(app, req))
                    },
                    app,
                    req,
                )
                .await,
            )
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the functions' log format writes of the records of `emit` under
    /// the filter `rust_log`.
    pub(crate) fn logged(rust_log: &str, emit: impl FnOnce()) -> String {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = json_logs(log_filter(Some(rust_log)), move || writer.clone());
        tracing::subscriber::with_default(subscriber, emit);
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn a_hand_edited_rust_log_cannot_make_the_runtime_log_raw_events() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2ln";
        for rust_log in [
            "trace",
            "lambda_runtime=trace,lambda_http=trace",
            "info,lambda_runtime::layers::api_response=trace",
            "aws_smithy_runtime=trace,aws_sigv4=trace",
        ] {
            let text = logged(rust_log, || {
                // What these crates log at TRACE, with their targets.
                let body = format!(r#"{{"headers":{{"authorization":"Bearer {jwt}"}}}}"#);
                tracing::trace!(
                    target: "lambda_runtime::layers::api_response",
                    body = body.as_str(),
                    "raw JSON event received from Lambda"
                );
                tracing::trace!(
                    target: "aws_smithy_runtime::client::orchestrator",
                    request = body.as_str(),
                    "transmitting request"
                );
                tracing::trace!(target: "aws_sigv4::http_request::sign", canonical_request = jwt);
                tracing::trace!(target: "roster::anything", jwt);
            });
            assert!(!text.contains(jwt), "RUST_LOG={rust_log}: {text}");
        }
    }

    #[test]
    fn rust_log_trace_still_logs_debug_records() {
        let text = logged("trace", || {
            tracing::debug!(target: "lambda_runtime::runtime", "polling sequentially");
            tracing::debug!(target: "roster::ops", "a debug record");
        });
        assert_eq!(text.lines().count(), 2, "{text}");
        let text = logged("info", || tracing::debug!("a debug record"));
        assert!(text.is_empty(), "{text}");
    }

    #[test]
    fn rust_log_reads_targets_and_a_default_level_and_falls_back_to_info() {
        let filter = log_filter(Some("warn,roster=debug"));
        assert_eq!(filter.default_level(), Some(LevelFilter::WARN));
        assert_eq!(most_verbose_asked(&filter), LevelFilter::DEBUG);
        for unusable in [None, Some(""), Some("roster[span{x=1}]=debug")] {
            let filter = log_filter(unusable);
            assert_eq!(
                filter.default_level(),
                Some(LevelFilter::INFO),
                "{unusable:?}"
            );
        }
        assert_eq!(
            most_verbose_asked(&log_filter(Some("aws_smithy_runtime=trace"))),
            LevelFilter::TRACE
        );
    }
}
