output "log_group_names" {
  description = "Application log groups by role: api, worker, ecs-exec."
  value       = { for k, g in aws_cloudwatch_log_group.app : k => g.name }
}

output "alarm_topic_arn" {
  description = "SNS topic that receives alarm notifications."
  value       = aws_sns_topic.alarms.arn
}

output "job_events_topic_arn" {
  description = "SNS topic for job-completion events (media.succeeded, media.failed, media.dead)."
  value       = aws_sns_topic.job_events.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "amp_workspace_arn" {
  description = "ARN of the Amazon Managed Service for Prometheus workspace the collectors write to."
  value       = aws_prometheus_workspace.this.arn
}

output "amp_remote_write_url" {
  description = "Remote-write URL of the Prometheus workspace."
  value       = "${aws_prometheus_workspace.this.prometheus_endpoint}api/v1/remote_write"
}

output "amp_query_url" {
  description = "Prometheus query endpoint of the workspace (a Grafana data source with SigV4 auth)."
  value       = aws_prometheus_workspace.this.prometheus_endpoint
}

output "emf_namespace" {
  description = "CloudWatch namespace of the app metrics the collectors copy (awsemf)."
  value       = local.emf_namespace
}

output "emf_log_group_name" {
  description = "Log group the collectors write embedded-metric-format records to."
  value       = aws_cloudwatch_log_group.emf.name
}
