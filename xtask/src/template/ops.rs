//! What operations need of every function: its log group (retention from
//! LogRetentionDays), its errors and throttles alarms (to AlarmTopicArn), and
//! the dashboard, whose per-function and per-route lines follow the
//! declaration. The text is byte for byte what the template held before it
//! was generated from the declaration, so deployed stacks see no change.

use crate::declare::Function;
use crate::json::{J, s, strings};

const ALARM_ACTIONS: &str = "      AlarmActions:
        - !Ref AlarmTopicArn
      OKActions:
        - !Ref AlarmTopicArn
";

const INTRO: &str =
    "  # ---------------------------------------------------------------------------
  # Per function: its log group (retention from LogRetentionDays), errors and
  # throttles alarms to AlarmTopicArn.
  # ---------------------------------------------------------------------------
";

/// The log groups and alarms of every function, then the dashboard.
pub fn block(functions: &[Function]) -> String {
    let mut out = String::from(INTRO);
    for f in functions {
        out.push_str(&function_resources(&f.resource()));
        out.push('\n');
    }
    out.push_str(&dashboard(functions));
    out
}

fn alarm(fn_id: &str, kind: &str, description: &str) -> String {
    format!(
        "  {fn_id}{kind}Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: !Sub '${{{fn_id}}} {description}'
      Namespace: AWS/Lambda
      MetricName: {kind}
      Dimensions:
        - Name: FunctionName
          Value: !Ref {fn_id}
      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
{ALARM_ACTIONS}"
    )
}

fn function_resources(fn_id: &str) -> String {
    format!(
        "  {fn_id}Logs:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: Delete
    UpdateReplacePolicy: Delete
    Properties:
      LogGroupName: !Sub '/aws/lambda/${{{fn_id}}}'
      RetentionInDays: !Ref LogRetentionDays

{}
{}
",
        alarm(
            fn_id,
            "Errors",
            "failed (crash, timeout or an error returned to Lambda) in the last 5 minutes"
        ),
        alarm(
            fn_id,
            "Throttles",
            "was throttled (concurrency limit) in the last 5 minutes"
        ),
    )
}

struct Widget {
    title: &'static str,
    metrics: Vec<J>,
    at: (i64, i64),
    size: (i64, i64),
    stat: &'static str,
    period: i64,
}

fn widget(title: &'static str, metrics: Vec<J>, x: i64, y: i64) -> Widget {
    Widget {
        title,
        metrics,
        at: (x, y),
        size: (12, 6),
        stat: "Sum",
        period: 300,
    }
}

impl Widget {
    fn stat(mut self, stat: &'static str) -> Self {
        self.stat = stat;
        self
    }
}

/// An API Gateway metric of the HTTP API, with `extra` after its dimension.
fn api(metric: &str, extra: Option<J>) -> J {
    let mut m = vec![s("AWS/ApiGateway"), s(metric), s("ApiId"), s("${HttpApi}")];
    m.extend(extra);
    J::A(m)
}

fn queue(name: &str, label: &str) -> J {
    J::A(vec![
        s("AWS/SQS"),
        s("ApproximateNumberOfMessagesVisible"),
        s("QueueName"),
        s(format!("${{{name}.QueueName}}")),
        J::O(vec![("label", s(label))]),
    ])
}

fn dashboard(functions: &[Function]) -> String {
    let ids: Vec<String> = functions.iter().map(Function::resource).collect();
    let per_fn = |metric: &str| -> Vec<J> {
        ids.iter()
            .map(|id| {
                J::A(vec![
                    s("AWS/Lambda"),
                    s(metric),
                    s("FunctionName"),
                    s(format!("${{{id}}}")),
                    J::O(vec![("label", s(id.clone()))]),
                ])
            })
            .collect()
    };
    let route_latency: Vec<J> = functions
        .iter()
        .flat_map(Function::deployed_routes)
        .map(|r| {
            let (method, path) = (r.method.as_str(), r.path.as_str());
            let mut m = vec![
                s("AWS/ApiGateway"),
                s("Latency"),
                s("ApiId"),
                s("${HttpApi}"),
            ];
            m.extend([s("Stage"), s("$default"), s("Resource"), s(path)]);
            m.extend([s("Method"), s(method)]);
            m.push(J::O(vec![("label", s(format!("{method} {path}")))]));
            J::A(m)
        })
        .collect();
    let hidden = |id: &str| J::O(vec![("id", s(id)), ("visible", J::B(false))]);
    let rate = J::O(vec![
        ("expression", s("100 * e / MAX([r, 1])")),
        ("label", s("5xx %")),
        ("id", s("rate")),
    ]);
    let widgets = vec![
        widget(
            "API requests and errors",
            vec![api("Count", None), api("4xx", None), api("5xx", None)],
            0,
            0,
        ),
        widget(
            "API 5xx rate (%) - alarm above 1",
            vec![
                J::A(vec![rate]),
                api("5xx", Some(hidden("e"))),
                api("Count", Some(hidden("r"))),
            ],
            12,
            0,
        ),
        Widget {
            size: (24, 8),
            ..widget("Latency p90 per route (ms)", route_latency, 0, 6).stat("p90")
        },
        widget("Lambda errors per function", per_fn("Errors"), 0, 14),
        widget("Lambda throttles per function", per_fn("Throttles"), 12, 14),
        widget(
            "Lambda duration p90 per function (ms)",
            per_fn("Duration"),
            0,
            20,
        )
        .stat("p90"),
        widget(
            "Lambda concurrent executions per function",
            per_fn("ConcurrentExecutions"),
            12,
            20,
        )
        .stat("Maximum"),
        widget(
            "Outbox stream iterator age (ms) - alarm above 300000",
            vec![strings(&[
                "AWS/Lambda",
                "IteratorAge",
                "FunctionName",
                "${DeliverEmail}",
            ])],
            0,
            26,
        )
        .stat("Maximum"),
        widget(
            "Failed mail batches, mail events and sweep dead letters (messages)",
            vec![
                queue("DeliverEmailFailures", "deliver-email failures"),
                queue("SweepScheduleDeadLetters", "sweep schedule dead letters"),
                queue("MailEventsFailures", "mail-events failures"),
            ],
            12,
            26,
        )
        .stat("Maximum"),
        Widget {
            period: 3600,
            ..widget(
                "Sweep runs and errors per hour - alarm below 1 run",
                vec![
                    strings(&["AWS/Lambda", "Invocations", "FunctionName", "${Sweep}"]),
                    strings(&["AWS/Lambda", "Errors", "FunctionName", "${Sweep}"]),
                ],
                0,
                32,
            )
        },
    ];
    let indented: String = dashboard_json(&widgets)
        .lines()
        .map(|line| format!("          {line}\n"))
        .collect();
    format!(
        "  Dashboard:
    Type: AWS::CloudWatch::Dashboard
    Properties:
      DashboardName: !Sub '${{AWS::StackName}}-operations'
      DashboardBody: !Sub
        - |
{indented}        - {{}}
"
    )
}

/// The dashboard body, one metric per line: readable, and small in diffs.
fn dashboard_json(widgets: &[Widget]) -> String {
    let mut lines = vec![r#"{"widgets": ["#.to_owned()];
    for (i, w) in widgets.iter().enumerate() {
        let head = J::O(vec![
            ("type", s("metric")),
            ("x", J::N(w.at.0)),
            ("y", J::N(w.at.1)),
            ("width", J::N(w.size.0)),
            ("height", J::N(w.size.1)),
        ]);
        let props = J::O(vec![
            ("title", s(w.title)),
            ("region", s("${AWS::Region}")),
            ("view", s("timeSeries")),
            ("stat", s(w.stat)),
            ("period", J::N(w.period)),
        ]);
        let (head, props) = (head.dump(), props.dump());
        lines.push(format!(
            "  {{{}, \"properties\": {{{}, \"metrics\": [",
            &head[1..head.len() - 1],
            &props[1..props.len() - 1]
        ));
        for (j, m) in w.metrics.iter().enumerate() {
            let comma = if j + 1 < w.metrics.len() { "," } else { "" };
            lines.push(format!("    {}{comma}", m.dump()));
        }
        let comma = if i + 1 < widgets.len() { "," } else { "" };
        lines.push(format!("  ]}}}}{comma}"));
    }
    lines.push("]}".to_owned());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::parse;

    #[test]
    fn the_dashboard_body_is_json_with_a_line_per_function_and_route() {
        let fs = parse(
            "[[function]]\nname = \"get-org\"\nroutes = [\"GET /orgs/{org}\"]\n\
             [[function]]\nname = \"console\"\nroutes = [\"GET /app\"]\nlocal_routes = [\"POST /app/dev\"]\n",
        )
        .unwrap();
        let block = block(&fs);
        let body = block.split("        - |\n").nth(1).unwrap();
        let body: String = body
            .lines()
            .take_while(|l| l.starts_with("          "))
            .collect();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        let latency = &json["widgets"][2]["properties"]["metrics"];
        assert_eq!(latency.as_array().unwrap().len(), 2, "deployed routes only");
        assert_eq!(latency[0][10]["label"], "GET /orgs/{org}");
        assert_eq!(
            json["widgets"][3]["properties"]["metrics"][1][3],
            "${Console}"
        );
        assert!(block.contains("  ConsoleThrottlesAlarm:\n"));
        assert!(block.contains("LogGroupName: !Sub '/aws/lambda/${GetOrg}'"));
    }
}
