output "db_endpoint" {
  description = "PostgreSQL endpoint host name."
  value       = aws_db_instance.this.address
}

output "db_instance_id" {
  description = "RDS instance identifier (CloudWatch DBInstanceIdentifier dimension)."
  value       = aws_db_instance.this.identifier
}

output "db_instance_arn" {
  description = "ARN of the RDS instance (the daily AWS Backup plan selects it)."
  value       = aws_db_instance.this.arn
}

output "redis_primary_endpoint" {
  description = "Redis primary endpoint host name (TLS on port 6379)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "redis_replication_group_id" {
  description = "ElastiCache replication group ID."
  value       = aws_elasticache_replication_group.this.id
}

output "connection_secret_arn" {
  description = "Secrets Manager ARN of the JSON secret with catalog_url, pgvector_url and redis_url keys."
  value       = aws_secretsmanager_secret.connections.arn
}

output "security_group_ids" {
  description = "Security groups of PostgreSQL and Redis."
  value       = [aws_security_group.postgres.id, aws_security_group.redis.id]
}
