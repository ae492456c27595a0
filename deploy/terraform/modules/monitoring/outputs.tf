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
