//! Each function's resource in the template: build metadata, settings, the
//! events that start it and its least-privilege policy, all from its
//! declaration.

use crate::declare::{Auth, Function, Reserved, Schedule, Sns, Stream, Trigger};
use std::fmt::Write as _;

/// The comment above the functions.
pub const INTRO: &str =
    "  # ---------------------------------------------------------------------------
  # Functions, one per operation or event source (infra/functions.toml). Each
  # gets only the DynamoDB and SES actions it uses. CodeUri is the workspace
  # root (relative to this file); BuildProperties.Binary picks the package and
  # binary of the same name.
  # ---------------------------------------------------------------------------
";

const SES_IDENTITY: &str = "            - Effect: Allow
              Action: ses:SendEmail
              Resource: !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*'
              Condition:
                StringEqualsIgnoreCase:
                  ses:FromAddress: !Ref MailFrom
            # Sending through a configuration set is authorized on the set too.
            - Effect: Allow
              Action: ses:SendEmail
              Resource: !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${MailConfigurationSet}'
";

/// The resource of `f`, ending with a blank line.
pub fn resource(f: &Function) -> String {
    let mut out = format!(
        "  {}:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: rust-cargolambda\n      \
         BuildProperties:\n        Binary: {}\n    Properties:\n      CodeUri: ..\n",
        f.resource(),
        f.name
    );
    if let Some(memory) = f.memory {
        let _ = writeln!(out, "      MemorySize: {memory}");
    }
    if let Some(timeout) = f.timeout {
        let _ = writeln!(out, "      Timeout: {timeout}");
    }
    match &f.reserved {
        None => {}
        Some(Reserved::Fixed(n)) => {
            let _ = writeln!(out, "      ReservedConcurrentExecutions: {n}");
        }
        Some(Reserved::Parameter(_)) => {
            let (parameter, condition) = reserved_names(f);
            let _ = writeln!(
                out,
                "      ReservedConcurrentExecutions: !If [{condition}, !Ref {parameter}, !Ref AWS::NoValue]"
            );
        }
    }
    if !f.environment.is_empty() {
        out.push_str("      Environment:\n        Variables:\n");
        for (name, value) in &f.environment {
            let _ = writeln!(out, "          {name}: {}", value_of(value));
        }
    }
    if f.trigger != Trigger::Authorizer {
        out.push_str("      Events:\n");
    }
    match &f.trigger {
        // The HTTP API's authorizer (infra/base.yaml) invokes it: no event source.
        Trigger::Authorizer => {}
        Trigger::Http => http_events(f, &mut out),
        Trigger::Stream(s) => stream_event(s, &mut out),
        Trigger::Schedule(s) => schedule_event(s, &mut out),
        Trigger::Sns(s) => sns_event(s, &mut out),
    }
    policies(f, &mut out);
    out.push('\n');
    out
}

/// The parameter and the condition of a reserved concurrency declared as
/// `"parameter"`: `ReservedConcurrency<Name>`, `Reserve<Name>`.
pub fn reserved_names(f: &Function) -> (String, String) {
    let name = f.resource();
    (
        format!("ReservedConcurrency{name}"),
        format!("Reserve{name}"),
    )
}

/// An environment value: an intrinsic (`!Ref X`) as written, else a string.
fn value_of(value: &str) -> String {
    if value.starts_with('!') {
        value.to_owned()
    } else {
        quoted(value)
    }
}

/// A YAML single-quoted string.
pub fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn http_events(f: &Function, out: &mut String) {
    for (i, route) in f.deployed_routes().enumerate() {
        let name = match i {
            0 => "Http".to_owned(),
            n => format!("Http{}", n + 1),
        };
        let _ = write!(
            out,
            "        {name}:\n          Type: HttpApi\n          Properties:\n            \
             ApiId: !Ref HttpApi\n            Method: {}\n            Path: {}\n",
            route.method.as_str(),
            route.path
        );
        let authorizer = match route.auth {
            Auth::Authorizer => None,
            Auth::Iam => Some("AWS_IAM"),
            Auth::Public => Some("NONE"),
        };
        if let Some(a) = authorizer {
            let _ = writeln!(out, "            Auth:\n              Authorizer: {a}");
        }
    }
}

fn stream_event(s: &Stream, out: &mut String) {
    let _ = write!(
        out,
        "        {}:\n          Type: DynamoDB\n          Properties:\n            \
         Stream: !GetAtt Table.StreamArn\n            StartingPosition: LATEST\n            \
         BatchSize: {}\n",
        s.event, s.batch_size
    );
    if let Some(window) = s.batching_window {
        let _ = writeln!(out, "            MaximumBatchingWindowInSeconds: {window}");
    }
    if let Some(factor) = s.parallelization {
        let _ = writeln!(out, "            ParallelizationFactor: {factor}");
    }
    let _ = writeln!(
        out,
        "            FunctionResponseTypes:\n              - ReportBatchItemFailures\n            \
         MaximumRetryAttempts: {}",
        s.retries
    );
    if s.bisect_on_error {
        out.push_str("            BisectBatchOnFunctionError: true\n");
    }
    let _ = write!(
        out,
        "            FilterCriteria:\n              Filters:\n                - Pattern: {}\n            \
         DestinationConfig:\n              OnFailure:\n                Type: SQS\n                \
         Destination: !GetAtt {}.Arn\n",
        quoted(&s.filter),
        s.on_failure
    );
}

fn schedule_event(s: &Schedule, out: &mut String) {
    let _ = write!(
        out,
        "        {}:\n          Type: Schedule\n          Properties:\n            Schedule: {}\n            \
         Description: {}\n            RetryPolicy:\n              MaximumRetryAttempts: {}\n              \
         MaximumEventAgeInSeconds: {}\n            DeadLetterConfig:\n              Type: SQS\n              \
         QueueLogicalId: {}\n",
        s.event,
        s.rate,
        quoted(&s.description),
        s.retries,
        s.max_event_age,
        s.dead_letters
    );
}

fn sns_event(s: &Sns, out: &mut String) {
    let _ = write!(
        out,
        "        {}:\n          Type: SNS\n          Properties:\n            Topic: !Ref {}\n      \
         DeadLetterQueue:\n        Type: SQS\n        TargetArn: !GetAtt {}.Arn\n",
        s.event, s.topic, s.dead_letters
    );
}

fn policies(f: &Function, out: &mut String) {
    let mut statements = String::new();
    let mut allow = |actions: &[String], resource: &str| {
        let _ = writeln!(
            statements,
            "            - Effect: Allow\n              Action:"
        );
        for a in actions {
            let _ = writeln!(statements, "                - dynamodb:{a}");
        }
        let _ = writeln!(statements, "              Resource: {resource}");
    };
    if !f.table.is_empty() {
        allow(&f.table, "!GetAtt Table.Arn");
    }
    for (index, actions) in &f.indexes {
        allow(actions, &format!("!Sub '${{Table.Arn}}/index/{index}'"));
    }
    if f.mail {
        statements.push_str(SES_IDENTITY);
    }
    if f.bus {
        statements.push_str(
            "            - Effect: Allow\n              Action: events:PutEvents\n              \
             Resource: !GetAtt EventBus.Arn\n",
        );
    }
    if !statements.is_empty() {
        out.push_str("      Policies:\n        - Version: '2012-10-17'\n          Statement:\n");
        out.push_str(&statements);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::parse;

    #[test]
    fn a_function_gets_its_settings_events_and_only_its_grants() {
        let fs = parse(
            "[[function]]\nname = \"do-thing\"\nroutes = [\"POST /things\", \"GET /things/{id}\"]\n\
             auth = \"iam\"\ntable = [\"PutItem\"]\nindexes = { gsi1 = [\"Query\"] }\n\
             memory = 512\nreserved_concurrency = \"parameter\"\n\
             environment = { A = \"!Ref P\", B = \"it's\" }\n",
        )
        .unwrap();
        let yaml = resource(&fs[0]);
        let value: serde_norway::Value = serde_norway::from_str(&yaml).unwrap();
        let props = &value["DoThing"]["Properties"];
        assert_eq!(
            value["DoThing"]["Metadata"]["BuildProperties"]["Binary"],
            "do-thing"
        );
        assert_eq!(props["MemorySize"], 512);
        assert_eq!(props["Environment"]["Variables"]["B"], "it's");
        assert!(yaml.contains("          A: !Ref P\n"));
        assert!(yaml.contains(
            "ReservedConcurrentExecutions: !If [ReserveDoThing, !Ref ReservedConcurrencyDoThing, !Ref AWS::NoValue]"
        ));
        let events = &props["Events"];
        assert_eq!(events["Http"]["Properties"]["Path"], "/things");
        assert_eq!(events["Http2"]["Properties"]["Method"], "GET");
        assert_eq!(
            events["Http2"]["Properties"]["Auth"]["Authorizer"],
            "AWS_IAM"
        );
        let statements = &props["Policies"][0]["Statement"];
        assert_eq!(statements[0]["Action"][0], "dynamodb:PutItem");
        assert_eq!(statements[1]["Action"][0], "dynamodb:Query");
        assert!(statements.get(2).is_none(), "no mail, no SES grant");
    }

    #[test]
    fn a_function_with_nothing_to_grant_has_no_policies() {
        let fs = parse("[[function]]\nname = \"page\"\nroutes = [\"GET /p\"]\nauth = \"public\"\n")
            .unwrap();
        let yaml = resource(&fs[0]);
        assert!(!yaml.contains("Policies"), "{yaml}");
        assert!(yaml.contains("Authorizer: NONE"));
    }
}
