output "api_url" {
  description = "Base URL of the mediasift API (GET /health, /ready, /v1/...)."
  value       = module.compute.api_url
}

output "alb_dns_name" {
  description = "Load balancer DNS name for your domain's alias record."
  value       = module.compute.alb_dns_name
}

output "raw_bucket_name" {
  description = "Upload bucket: objects under s3_event_prefix with media suffixes become ingest jobs."
  value       = module.storage.raw_bucket_name
}

output "processed_bucket_name" {
  description = "The app's object store (MEDIASIFT_S3_BUCKET)."
  value       = module.storage.processed_bucket_name
}

output "logs_bucket_name" {
  description = "Access-log bucket (S3 and ALB)."
  value       = module.storage.logs_bucket_name
}

output "queue_url" {
  description = "Media queue URL (MEDIASIFT_SQS_QUEUE_URL)."
  value       = module.queue.queue_url
}

output "dlq_url" {
  description = "Dead-letter queue URL."
  value       = module.queue.dlq_url
}

output "ecr_repository_url" {
  description = "Push the mediasift image here, tagged with image_tag."
  value       = module.compute.ecr_repository_url
}

output "ecs_cluster_name" {
  description = "ECS cluster running the api and worker services."
  value       = module.compute.cluster_name
}

output "db_endpoint" {
  description = "PostgreSQL host (private)."
  value       = module.database.db_endpoint
}

output "redis_endpoint" {
  description = "Redis primary endpoint (private, TLS)."
  value       = module.database.redis_primary_endpoint
}

output "connection_secret_arn" {
  description = "Secret with catalog_url, pgvector_url and redis_url (MEDIASIFT_CATALOG_URL, _PGVECTOR_URL, _REDIS_URL)."
  value       = module.database.connection_secret_arn
}

output "app_secret_arn" {
  description = "Secret to fill with LLM/API keys (MEDIASIFT_OPENAI_API_KEY, MEDIASIFT_GEMINI_API_KEY, ...)."
  value       = module.compute.app_secret_arn
}

output "api_key_pepper_secret_arn" {
  description = "Generated pepper of the API-key hashes, shared by every task; replacing it invalidates every key."
  value       = module.compute.api_key_pepper_secret_arn
}

output "alarm_topic_arn" {
  description = "SNS topic for alarms; subscribe pagers or chat here."
  value       = module.monitoring.alarm_topic_arn
}

output "job_events_topic_arn" {
  description = "SNS topic for job-completion events."
  value       = module.monitoring.job_events_topic_arn
}

output "dashboard_url" {
  description = "CloudWatch dashboard."
  value       = "https://${var.region}.console.aws.amazon.com/cloudwatch/home?region=${var.region}#dashboards:name=${module.monitoring.dashboard_name}"
}

output "worker_task_definition_arn" {
  description = "For one-off tasks, e.g. `mediasift keys create` (see the README section Deploy on AWS)."
  value       = module.compute.worker_task_definition_arn
}

output "one_off_task_network" {
  description = "awsvpcConfiguration for `aws ecs run-task` one-off tasks."
  value = {
    subnets        = module.network.private_subnet_ids
    securityGroups = [module.compute.worker_security_group_id]
    assignPublicIp = "DISABLED"
  }
}

output "prometheus_query_url" {
  description = "Amazon Managed Service for Prometheus query endpoint (Grafana data source, SigV4)."
  value       = module.monitoring.amp_query_url
}

output "cloudtrail_arn" {
  description = "The multi-region CloudTrail trail."
  value       = module.governance.trail_arn
}

output "backup_vault_name" {
  description = "AWS Backup vault with the daily backups of the database and buckets."
  value       = module.governance.backup_vault_name
}
