resource "aws_security_group" "alb" {
  #checkov:skip=CKV_AWS_260:The load balancer is the public entry point; port 80 only redirects to HTTPS when a certificate is set, and allowed_ingress_cidrs narrows the sources.
  name        = "${var.name}-alb"
  description = "Public entry point of the mediasift API"
  vpc_id      = var.vpc_id

  ingress {
    description = "HTTPS from clients"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = var.allowed_ingress_cidrs
  }

  ingress {
    description = "HTTP from clients (redirected to HTTPS when a certificate is set)"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = var.allowed_ingress_cidrs
  }

  egress {
    description = "To API tasks"
    from_port   = 8000
    to_port     = 8000
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr_block]
  }

  tags = { Name = "${var.name}-alb" }
}

resource "aws_security_group" "api" {
  name        = "${var.name}-api"
  description = "mediasift API tasks"
  vpc_id      = var.vpc_id

  ingress {
    description     = "HTTP from the load balancer"
    from_port       = 8000
    to_port         = 8000
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }

  dynamic "egress" {
    for_each = local.task_egress

    content {
      description = egress.value.description
      from_port   = egress.value.port
      to_port     = egress.value.port
      protocol    = "tcp"
      cidr_blocks = egress.value.cidrs
    }
  }

  tags = { Name = "${var.name}-api" }
}

resource "aws_security_group" "worker" {
  name        = "${var.name}-worker"
  description = "mediasift worker tasks (no inbound traffic)"
  vpc_id      = var.vpc_id

  dynamic "egress" {
    for_each = local.task_egress

    content {
      description = egress.value.description
      from_port   = egress.value.port
      to_port     = egress.value.port
      protocol    = "tcp"
      cidr_blocks = egress.value.cidrs
    }
  }

  tags = { Name = "${var.name}-worker" }
}

locals {
  task_egress = [
    { description = "HTTPS to AWS APIs, ECR and LLM providers", port = 443, cidrs = ["0.0.0.0/0"] },
    { description = "PostgreSQL inside the VPC", port = 5432, cidrs = [var.vpc_cidr_block] },
    { description = "Redis inside the VPC", port = 6379, cidrs = [var.vpc_cidr_block] },
  ]
}
