output "api_url" {
  description = "Base URL of the API (https when a certificate is set)."
  value       = var.certificate_arn == null ? "http://${aws_lb.api.dns_name}" : "https://${aws_lb.api.dns_name}"
}

output "alb_dns_name" {
  description = "DNS name of the load balancer (point your domain's CNAME/alias here)."
  value       = aws_lb.api.dns_name
}

output "alb_zone_id" {
  description = "Route 53 hosted zone ID of the load balancer, for alias records."
  value       = aws_lb.api.zone_id
}

output "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch LoadBalancer dimension)."
  value       = aws_lb.api.arn_suffix
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the API target group (CloudWatch TargetGroup dimension)."
  value       = aws_lb_target_group.api.arn_suffix
}

output "ecr_repository_url" {
  description = "ECR repository to push the mediasift image to."
  value       = aws_ecr_repository.app.repository_url
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "api_service_name" {
  description = "Name of the API ECS service."
  value       = aws_ecs_service.api.name
}

output "worker_service_name" {
  description = "Name of the worker ECS service."
  value       = aws_ecs_service.worker.name
}

output "security_group_ids" {
  description = "Security groups of the API and worker tasks (database clients)."
  value       = [aws_security_group.api.id, aws_security_group.worker.id]
}

output "app_secret_arn" {
  description = "Secrets Manager ARN of the app secret (LLM and API keys) to fill with put-secret-value."
  value       = aws_secretsmanager_secret.app.arn
}

output "worker_task_definition_arn" {
  description = "Worker task definition, for one-off tasks such as `mediasift keys create`."
  value       = aws_ecs_task_definition.worker.arn
}

output "worker_security_group_id" {
  description = "Security group for one-off tasks run with the worker task definition."
  value       = aws_security_group.worker.id
}

output "api_key_pepper_secret_arn" {
  description = "Secrets Manager ARN of the generated API-key pepper (MEDIASIFT_API_KEY_PEPPER of every task)."
  value       = aws_secretsmanager_secret.api_key_pepper.arn
}
