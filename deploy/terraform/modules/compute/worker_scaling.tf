# Workers scale on the media queue, not on CPU: step scaling so an idle service can scale from zero.
#   out: visible messages >= worker_scale_out_backlog (more workers the deeper the backlog),
#        or the oldest message waiting longer than worker_scale_out_age_s;
#   in:  fewer than worker_scale_in_messages_per_task (visible + in-flight) per running worker
#        for 10 minutes, one worker at a time. A stopped worker's in-flight job is redelivered
#        after its visibility timeout and re-run idempotently.
locals {
  worker_services = merge(
    { worker = { min = var.worker_min_count, max = var.worker_max_count } },
    var.gpu_workers_enabled ? { gpu-worker = { min = var.gpu_min_count, max = var.gpu_max_count } } : {},
  )
}

resource "aws_appautoscaling_target" "worker" {
  for_each = local.worker_services

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${each.key}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value.min
  max_capacity       = each.value.max

  depends_on = [aws_ecs_service.worker, aws_ecs_service.gpu_worker]
}

resource "aws_appautoscaling_policy" "worker_backlog_out" {
  for_each = aws_appautoscaling_target.worker

  name               = "${var.name}-${each.key}-backlog-out"
  policy_type        = "StepScaling"
  service_namespace  = each.value.service_namespace
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 120
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = 50
      scaling_adjustment          = 1
    }

    step_adjustment {
      metric_interval_lower_bound = 50
      metric_interval_upper_bound = 200
      scaling_adjustment          = 2
    }

    step_adjustment {
      metric_interval_lower_bound = 200
      scaling_adjustment          = 4
    }
  }
}

resource "aws_appautoscaling_policy" "worker_age_out" {
  for_each = aws_appautoscaling_target.worker

  name               = "${var.name}-${each.key}-age-out"
  policy_type        = "StepScaling"
  service_namespace  = each.value.service_namespace
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 300
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_lower_bound = 0
      scaling_adjustment          = 1
    }
  }
}

resource "aws_appautoscaling_policy" "worker_in" {
  for_each = aws_appautoscaling_target.worker

  name               = "${var.name}-${each.key}-in"
  policy_type        = "StepScaling"
  service_namespace  = each.value.service_namespace
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 300
    metric_aggregation_type = "Average"

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = -1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "worker_backlog" {
  alarm_name          = "${var.name}-worker-scale-backlog"
  alarm_description   = "Scaling trigger: media queue backlog (not paged)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  threshold           = var.worker_scale_out_backlog
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [for p in aws_appautoscaling_policy.worker_backlog_out : p.arn]
}

resource "aws_cloudwatch_metric_alarm" "worker_age" {
  alarm_name          = "${var.name}-worker-scale-age"
  alarm_description   = "Scaling trigger: oldest media message waiting too long (not paged)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = var.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  threshold           = var.worker_scale_out_age_s
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [for p in aws_appautoscaling_policy.worker_age_out : p.arn]
}

resource "aws_cloudwatch_metric_alarm" "worker_idle" {
  alarm_name          = "${var.name}-worker-scale-in"
  alarm_description   = "Scaling trigger: less queued work than running workers for 10 minutes (not paged)."
  evaluation_periods  = 10
  datapoints_to_alarm = 10
  threshold           = var.worker_scale_in_messages_per_task
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [for p in aws_appautoscaling_policy.worker_in : p.arn]

  metric_query {
    id          = "per_task"
    expression  = "(visible + in_flight) / IF(running > 0, running, 1)"
    label       = "Messages per running worker"
    return_data = true
  }

  metric_query {
    id = "visible"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.queue_name }
      period      = 60
      stat        = "Maximum"
    }
  }

  metric_query {
    id = "in_flight"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesNotVisible"
      dimensions  = { QueueName = var.queue_name }
      period      = 60
      stat        = "Maximum"
    }
  }

  metric_query {
    id = "running"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = { ClusterName = aws_ecs_cluster.this.name, ServiceName = aws_ecs_service.worker.name }
      period      = 60
      stat        = "Average"
    }
  }
}
