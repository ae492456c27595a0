# mediasift on AWS: one VPC, three buckets, one queue with its DLQ, PostgreSQL + pgvector,
# Redis, ECS Fargate API and workers with ADOT collector sidecars, CloudWatch alarms and dashboard,
# a Prometheus workspace, CloudTrail, a budget and daily backups. See docs/deploy-aws.md.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  name = "${var.project}-${var.environment}"
  # One trail per deployment; the logs bucket policy and the KMS key policy name it before it exists.
  trail_name = local.name
}

module "network" {
  source = "./modules/network"

  name                    = local.name
  cidr_block              = var.vpc_cidr_block
  az_count                = var.az_count
  az_suffixes             = var.az_suffixes
  single_nat_gateway      = var.single_nat_gateway
  interface_endpoints     = var.interface_endpoints
  flow_log_retention_days = var.log_retention_days
  kms_key_arn             = local.kms_key_arn
}

module "storage" {
  source = "./modules/storage"

  name                               = local.name
  bucket_suffix                      = data.aws_caller_identity.current.account_id
  kms_key_arn                        = local.kms_key_arn
  force_destroy                      = var.force_destroy_buckets
  raw_ia_transition_days             = var.raw_ia_transition_days
  raw_glacier_transition_days        = var.raw_glacier_transition_days
  processed_tiering_days             = var.processed_tiering_days
  cloudtrail_name                    = local.trail_name
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  log_expiration_days                = var.log_retention_days
  cors_allowed_origins               = var.cors_origins
  notification_queue_arn             = module.queue.queue_arn
  notification_prefix                = var.s3_event_prefix
  notification_suffixes              = var.s3_event_suffixes
}

module "queue" {
  source = "./modules/queue"

  name                       = local.name
  kms_key_arn                = local.kms_key_arn
  source_bucket_arn          = module.storage.raw_bucket_arn
  visibility_timeout_seconds = var.visibility_timeout_s
  max_receive_count          = var.max_receive_count
}

module "database" {
  source = "./modules/database"

  name                          = local.name
  vpc_id                        = module.network.vpc_id
  subnet_ids                    = module.network.private_subnet_ids
  client_security_group_ids     = module.compute.security_group_ids
  kms_key_arn                   = local.kms_key_arn
  log_retention_days            = var.log_retention_days
  db_instance_class             = var.db_instance_class
  db_allocated_storage_gb       = var.db_allocated_storage_gb
  db_max_allocated_storage_gb   = var.db_max_allocated_storage_gb
  db_multi_az                   = var.db_multi_az
  db_backup_retention_days      = var.db_backup_retention_days
  db_deletion_protection        = var.deletion_protection
  db_performance_insights       = var.db_performance_insights
  redis_node_type               = var.redis_node_type
  redis_multi_az                = var.redis_multi_az
  redis_snapshot_retention_days = var.redis_snapshot_retention_days
}

module "compute" {
  source = "./modules/compute"

  name                  = local.name
  kms_key_arn           = local.kms_key_arn
  vpc_id                = module.network.vpc_id
  vpc_cidr_block        = module.network.vpc_cidr_block
  public_subnet_ids     = module.network.public_subnet_ids
  private_subnet_ids    = module.network.private_subnet_ids
  allowed_ingress_cidrs = var.allowed_ingress_cidrs

  raw_bucket_arn        = module.storage.raw_bucket_arn
  raw_bucket_name       = module.storage.raw_bucket_name
  processed_bucket_arn  = module.storage.processed_bucket_arn
  processed_bucket_name = module.storage.processed_bucket_name
  logs_bucket_name      = module.storage.logs_bucket_name
  alb_log_prefix        = module.storage.alb_log_prefix

  queue_url            = module.queue.queue_url
  queue_arn            = module.queue.queue_arn
  queue_name           = module.queue.queue_name
  dlq_arn              = module.queue.dlq_arn
  max_receive_count    = var.max_receive_count
  visibility_timeout_s = var.visibility_timeout_s

  connection_secret_arn   = module.database.connection_secret_arn
  app_secret_names        = var.app_secret_names
  notifications_topic_arn = module.monitoring.job_events_topic_arn

  api_log_group_name    = module.monitoring.log_group_names["api"]
  worker_log_group_name = module.monitoring.log_group_names["worker"]
  exec_log_group_name   = module.monitoring.log_group_names["ecs-exec"]
  log_retention_days    = var.log_retention_days

  image_tag              = var.image_tag
  image_uri              = var.image_uri
  s3_event_key_pattern   = var.s3_event_key_pattern
  cors_origins           = var.cors_origins
  extra_environment      = var.extra_environment
  enable_execute_command = var.enable_execute_command

  api_cpu                 = var.api_cpu
  api_memory              = var.api_memory
  api_min_count           = var.api_min_count
  api_max_count           = var.api_max_count
  certificate_arn         = var.certificate_arn
  alb_deletion_protection = var.deletion_protection
  enable_waf              = var.enable_waf

  worker_cpu                  = var.worker_cpu
  worker_memory               = var.worker_memory
  worker_ephemeral_storage_gb = var.worker_ephemeral_storage_gb
  worker_min_count            = var.worker_min_count
  worker_max_count            = var.worker_max_count
  worker_use_spot             = var.worker_use_spot
  worker_scale_out_backlog    = var.worker_scale_out_backlog
  worker_scale_out_age_s      = var.worker_scale_out_age_s

  gpu_workers_enabled = var.gpu_workers_enabled
  gpu_instance_type   = var.gpu_instance_type
  gpu_instance_types  = var.gpu_instance_types
  gpu_max_count       = var.gpu_max_count
  gpu_use_spot        = var.gpu_use_spot
  gpu_on_demand_base  = var.gpu_on_demand_base

  enable_collector     = var.enable_collector
  collector_image      = var.collector_image
  amp_workspace_arn    = module.monitoring.amp_workspace_arn
  amp_remote_write_url = module.monitoring.amp_remote_write_url
  emf_namespace        = module.monitoring.emf_namespace
  emf_log_group_name   = module.monitoring.emf_log_group_name
  trace_sample_rate    = var.trace_sample_rate
}

module "monitoring" {
  source = "./modules/monitoring"

  name                           = local.name
  kms_key_arn                    = local.kms_key_arn
  log_retention_days             = var.log_retention_days
  alarm_emails                   = var.alarm_emails
  queue_name                     = module.queue.queue_name
  dlq_name                       = module.queue.dlq_name
  queue_depth_threshold          = var.alarm_queue_depth
  oldest_message_age_threshold_s = var.alarm_oldest_message_age_s
  alb_arn_suffix                 = module.compute.alb_arn_suffix
  target_group_arn_suffix        = module.compute.target_group_arn_suffix
  cluster_name                   = module.compute.cluster_name
  service_names                  = [module.compute.api_service_name, module.compute.worker_service_name]
  db_instance_id                 = module.database.db_instance_id
  cache_replication_group_id     = module.database.redis_replication_group_id
  bucket_names                   = [module.storage.raw_bucket_name, module.storage.processed_bucket_name]
  trace_sample_rate              = var.trace_sample_rate
}

module "governance" {
  source = "./modules/governance"

  name                   = local.name
  kms_key_arn            = local.kms_key_arn
  log_retention_days     = var.log_retention_days
  trail_name             = local.trail_name
  logs_bucket_name       = module.storage.logs_bucket_name
  cloudtrail_prefix      = module.storage.cloudtrail_prefix
  data_event_bucket_arns = [module.storage.raw_bucket_arn, module.storage.processed_bucket_arn]
  alarm_topic_arn        = module.monitoring.alarm_topic_arn
  monthly_budget_usd     = var.monthly_budget_usd
  budget_emails          = var.budget_emails
  backup_retention_days  = var.backup_retention_days
  backup_resource_arns   = [module.database.db_instance_arn, module.storage.raw_bucket_arn, module.storage.processed_bucket_arn]
}
