# Alarms on the services themselves: latency, tasks missing, tasks failing, disk. Every one pages
# through the alarm topic (local.alarm_actions), like those in main.tf.

resource "aws_cloudwatch_metric_alarm" "api_latency_p95" {
  alarm_name          = "${var.name}-api-latency-p95"
  alarm_description   = "API p95 response time above ${var.api_latency_p95_threshold_s} s for 10 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
  extended_statistic  = "p95"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 8
  threshold           = var.api_latency_p95_threshold_s
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Running below desired for 10 minutes: tasks crash-loop, cannot be placed (no Spot or GPU
# capacity), or cannot pull the image. Brief dips while a deployment or scale-out starts do not page.
resource "aws_cloudwatch_metric_alarm" "running_below_desired" {
  for_each = toset(var.service_names)

  alarm_name          = "${var.name}-${each.value}-running-below-desired"
  alarm_description   = "ECS service ${each.value}: fewer tasks running than desired for 10 minutes."
  evaluation_periods  = 10
  datapoints_to_alarm = 10
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "missing"
    expression  = "desired - running"
    label       = "Tasks missing"
    return_data = true
  }

  metric_query {
    id = "desired"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "DesiredTaskCount"
      dimensions  = { ClusterName = var.cluster_name, ServiceName = each.value }
      period      = 60
      stat        = "Average"
    }
  }

  metric_query {
    id = "running"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = { ClusterName = var.cluster_name, ServiceName = each.value }
      period      = 60
      stat        = "Average"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "ephemeral_storage" {
  for_each = toset(var.service_names)

  alarm_name          = "${var.name}-${each.value}-ephemeral-storage"
  alarm_description   = "ECS service ${each.value}: more than ${var.ephemeral_storage_threshold_percent}% of task ephemeral storage in use."
  evaluation_periods  = 3
  threshold           = var.ephemeral_storage_threshold_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "used_percent"
    expression  = "100 * utilized / IF(reserved > 0, reserved, 1)"
    label       = "Ephemeral storage used (%)"
    return_data = true
  }

  metric_query {
    id = "utilized"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "EphemeralStorageUtilized"
      dimensions  = { ClusterName = var.cluster_name, ServiceName = each.value }
      period      = 300
      stat        = "Maximum"
    }
  }

  metric_query {
    id = "reserved"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "EphemeralStorageReserved"
      dimensions  = { ClusterName = var.cluster_name, ServiceName = each.value }
      period      = 300
      stat        = "Maximum"
    }
  }
}

# ECS task failures: a task of the cluster stopped with a container exiting non-zero (a crash, an
# out-of-memory kill). Container Insights has no such metric, so an EventBridge rule matches the
# task-state events; its MatchedEvents metric raises the alarm and its log group keeps the events
# (which task, which container, exit code and stop reason) for the post-mortem.
resource "aws_cloudwatch_event_rule" "task_failures" {
  name        = "${var.name}-ecs-task-failures"
  description = "Tasks of ${var.cluster_name} that stopped with a non-zero container exit code."

  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail = {
      clusterArn = [{ wildcard = "*:cluster/${var.cluster_name}" }]
      lastStatus = ["STOPPED"]
      containers = { exitCode = [{ "anything-but" = 0 }] }
    }
  })
}

resource "aws_cloudwatch_log_group" "task_failures" {
  name              = "/aws/events/${var.name}/ecs-task-failures"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "task_failure_events" {
  statement {
    sid       = "EventBridgeWritesTaskFailures"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.task_failures.arn}:*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.task_failures.arn]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "task_failure_events" {
  policy_name     = "${var.name}-ecs-task-failures"
  policy_document = data.aws_iam_policy_document.task_failure_events.json
}

resource "aws_cloudwatch_event_target" "task_failures" {
  rule = aws_cloudwatch_event_rule.task_failures.name
  arn  = aws_cloudwatch_log_group.task_failures.arn
}

resource "aws_cloudwatch_metric_alarm" "task_failures" {
  alarm_name          = "${var.name}-ecs-task-failures"
  alarm_description   = "An ECS task stopped with a non-zero exit code; details in ${aws_cloudwatch_log_group.task_failures.name}."
  namespace           = "AWS/Events"
  metric_name         = "MatchedEvents"
  dimensions          = { RuleName = aws_cloudwatch_event_rule.task_failures.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# The alarm topic is KMS-encrypted, so the services that publish to it are named: CloudWatch
# alarms, AWS Budgets and AWS Backup (modules/governance), each only for this account.
data "aws_iam_policy_document" "alarm_topic" {
  statement {
    sid       = "ServicesPublishAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "backup.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid = "AccountManagesTopic"
    actions = [
      "sns:GetTopicAttributes",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:ListSubscriptionsByTopic",
      "sns:Publish",
    ]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarm_topic.json
}

data "aws_caller_identity" "current" {}
