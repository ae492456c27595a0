resource "aws_ecs_task_definition" "worker" {
  family                   = "${var.name}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.worker_cpu
  memory                   = var.worker_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.worker.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  ephemeral_storage {
    size_in_gib = var.worker_ephemeral_storage_gb
  }

  dynamic "volume" {
    for_each = toset(local.scratch_volumes)

    content {
      name = volume.value
    }
  }

  container_definitions = jsonencode(concat([
    merge(local.container_base, {
      name        = "worker"
      dependsOn   = local.collector_dependency
      command     = ["mediasift", "worker"]
      stopTimeout = 120 # SIGTERM, then two minutes to finish or release the current job
      environment = [
        for k, v in merge(local.environment, {
          MEDIASIFT_MODEL_THREADS = tostring(floor(var.worker_cpu / 1024))
        }) : { name = k, value = v }
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = var.worker_log_group_name
          awslogs-region        = local.region
          awslogs-stream-prefix = "worker"
        }
      }
    })
  ], local.collector_containers["worker"]))
}

resource "aws_ecs_service" "worker" {
  name                   = "worker"
  cluster                = aws_ecs_cluster.this.id
  task_definition        = aws_ecs_task_definition.worker.arn
  desired_count          = var.worker_min_count
  platform_version       = "LATEST"
  enable_execute_command = var.enable_execute_command
  propagate_tags         = "SERVICE"

  capacity_provider_strategy {
    capacity_provider = var.worker_use_spot ? "FARGATE_SPOT" : "FARGATE"
    weight            = 1
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.worker.id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    ignore_changes = [desired_count] # owned by autoscaling
  }

  depends_on = [aws_ecs_cluster_capacity_providers.this]
}
