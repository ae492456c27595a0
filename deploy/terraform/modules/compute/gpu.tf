# Optional GPU workers: an Auto Scaling group of ECS-optimized GPU instances behind a capacity
# provider (managed scaling follows the GPU worker service), running the same worker command
# from the GPU image. Everything here has count = 0 unless gpu_workers_enabled.
locals {
  gpu_count = var.gpu_workers_enabled ? 1 : 0
}

data "aws_ssm_parameter" "gpu_ami" {
  count = local.gpu_count

  name = var.gpu_ami_ssm_parameter
}

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "gpu_instance" {
  count = local.gpu_count

  name_prefix        = "${substr(var.name, 0, 24)}-gpu-node-"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_role_policy_attachment" "gpu_instance_ecs" {
  count = local.gpu_count

  role       = aws_iam_role.gpu_instance[0].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
}

resource "aws_iam_instance_profile" "gpu" {
  count = local.gpu_count

  name_prefix = "${substr(var.name, 0, 24)}-gpu-"
  role        = aws_iam_role.gpu_instance[0].name
}

resource "aws_launch_template" "gpu" {
  count = local.gpu_count

  name_prefix   = "${var.name}-gpu-"
  image_id      = data.aws_ssm_parameter.gpu_ami[0].value
  instance_type = var.gpu_instance_type

  iam_instance_profile {
    arn = aws_iam_instance_profile.gpu[0].arn
  }

  vpc_security_group_ids = [aws_security_group.worker.id]

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = 100
      volume_type           = "gp3"
      encrypted             = true # AWS-managed EBS key: the Auto Scaling service role needs no grant
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  user_data = base64encode(<<-EOT
    #!/bin/bash
    cat >> /etc/ecs/ecs.config <<CFG
    ECS_CLUSTER=${aws_ecs_cluster.this.name}
    ECS_ENABLE_GPU_SUPPORT=true
    ECS_ENABLE_TASK_IAM_ROLE=true
    ECS_AWSVPC_BLOCK_IMDS=true
    ECS_ENABLE_SPOT_INSTANCE_DRAINING=true
    CFG
  EOT
  )
}

# Spot (gpu_use_spot): the first gpu_on_demand_base instances stay on-demand, the rest are Spot
# across every type in gpu_instance_types (price-capacity-optimized). On an interruption notice
# ECS drains the instance (ECS_ENABLE_SPOT_INSTANCE_DRAINING): the worker gets SIGTERM and
# stopTimeout (120 s) inside the two-minute notice, and releases its job's lease (test:
# tests/test_graceful_stop.py). Capacity rebalancing starts a replacement when AWS signals an
# elevated interruption risk, before the notice.
resource "aws_autoscaling_group" "gpu" {
  count = local.gpu_count

  name_prefix           = "${var.name}-gpu-"
  min_size              = var.gpu_min_count
  max_size              = var.gpu_max_count
  vpc_zone_identifier   = var.private_subnet_ids
  protect_from_scale_in = true
  capacity_rebalance    = var.gpu_use_spot

  mixed_instances_policy {
    instances_distribution {
      on_demand_base_capacity                  = var.gpu_on_demand_base
      on_demand_percentage_above_base_capacity = var.gpu_use_spot ? 0 : 100
      spot_allocation_strategy                 = "price-capacity-optimized"
    }

    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.gpu[0].id
        version            = "$Latest"
      }

      dynamic "override" {
        for_each = distinct(concat([var.gpu_instance_type], var.gpu_instance_types))

        content {
          instance_type = override.value
        }
      }
    }
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_ecs_capacity_provider" "gpu" {
  count = local.gpu_count

  name = "${var.name}-gpu"

  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.gpu[0].arn
    managed_termination_protection = "ENABLED"
    managed_draining               = "ENABLED"

    managed_scaling {
      status          = "ENABLED"
      target_capacity = 100
    }
  }
}

resource "aws_ecs_task_definition" "gpu_worker" {
  count = local.gpu_count

  family                   = "${var.name}-gpu-worker"
  requires_compatibilities = ["EC2"]
  network_mode             = "awsvpc"
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.worker.arn

  dynamic "volume" {
    for_each = toset(local.scratch_volumes)

    content {
      name = volume.value
    }
  }

  container_definitions = jsonencode(concat([
    merge(local.container_base, {
      name                 = "gpu-worker"
      dependsOn            = local.collector_dependency
      image                = "${aws_ecr_repository.gpu[0].repository_url}:${var.image_tag}"
      command              = ["mediasift", "worker"]
      cpu                  = 3072
      memory               = 12288
      stopTimeout          = 120
      resourceRequirements = [{ type = "GPU", value = "1" }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = var.worker_log_group_name
          awslogs-region        = local.region
          awslogs-stream-prefix = "gpu-worker"
        }
      }
    })
  ], local.collector_containers["gpu-worker"]))
}

resource "aws_ecs_service" "gpu_worker" {
  count = local.gpu_count

  name                   = "gpu-worker"
  cluster                = aws_ecs_cluster.this.id
  task_definition        = aws_ecs_task_definition.gpu_worker[0].arn
  desired_count          = var.gpu_min_count
  enable_execute_command = var.enable_execute_command
  propagate_tags         = "SERVICE"

  capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.gpu[0].name
    weight            = 1
  }

  network_configuration {
    subnets         = var.private_subnet_ids
    security_groups = [aws_security_group.worker.id]
  }

  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [aws_ecs_cluster_capacity_providers.this]
}
