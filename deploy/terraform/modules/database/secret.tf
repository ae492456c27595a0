# One secret holds every connection string the app needs, so ECS injects them as
# MEDIASIFT_CATALOG_URL / MEDIASIFT_PGVECTOR_URL / MEDIASIFT_REDIS_URL without the values
# ever appearing in a task definition. The values are also in Terraform state: keep state encrypted.
locals {
  db_host    = aws_db_instance.this.address
  db_url     = "postgresql+psycopg://${var.db_username}:${random_password.db.result}@${local.db_host}:5432/${var.db_name}?sslmode=require"
  redis_host = aws_elasticache_replication_group.this.primary_endpoint_address
  redis_url  = "rediss://:${random_password.redis.result}@${local.redis_host}:6379/0"
}

resource "aws_secretsmanager_secret" "connections" {
  #checkov:skip=CKV2_AWS_57:The secret holds composed URLs (DB password and Redis token) that Terraform owns; rotate by tainting random_password.db/redis and re-applying, which updates RDS, ElastiCache and the secret together.
  name_prefix             = "${var.name}/connections-"
  description             = "mediasift: PostgreSQL and Redis connection URLs and credentials"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "connections" {
  secret_id = aws_secretsmanager_secret.connections.id
  secret_string = jsonencode({
    engine       = "postgres"
    host         = local.db_host
    port         = 5432
    dbname       = var.db_name
    username     = var.db_username
    password     = random_password.db.result
    catalog_url  = local.db_url
    pgvector_url = local.db_url
    redis_url    = local.redis_url
  })
}
