# Three buckets:
#   raw       - the drop zone: browser uploads (presigned) and partner uploads under `clients/`,
#               which notify the media queue; a worker copies each new object into the store.
#   processed - the app's object store (MEDIASIFT_S3_BUCKET), one bucket with two key prefixes
#               (src/mediasift/store/base.py): `raw/` holds the originals it keeps (API uploads and
#               the copies of dropped objects), `processed/` transcripts, frames, reports.
#   logs      - S3 server access logs and ALB access logs.
# Every bucket: versioning, default encryption, public access blocked, TLS-only policy, lifecycle.

locals {
  buckets = {
    raw       = "${var.name}-raw-${var.bucket_suffix}"
    processed = "${var.name}-processed-${var.bucket_suffix}"
    logs      = "${var.name}-logs-${var.bucket_suffix}"
  }
}

data "aws_elb_service_account" "this" {}

# ---------------------------------------------------------------------------------------------
# raw
# ---------------------------------------------------------------------------------------------
resource "aws_s3_bucket" "raw" {
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage cost; originals are versioned and re-uploadable. Enable per deployment if a DR region is required.
  bucket        = local.buckets.raw
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_versioning" "raw" {
  bucket = aws_s3_bucket.raw.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "raw" {
  bucket = aws_s3_bucket.raw.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "raw" {
  bucket = aws_s3_bucket.raw.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "raw" {
  bucket = aws_s3_bucket.raw.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_policy" "raw" {
  bucket = aws_s3_bucket.raw.id
  policy = data.aws_iam_policy_document.tls_only["raw"].json

  depends_on = [aws_s3_bucket_public_access_block.raw]
}

resource "aws_s3_bucket_logging" "raw" {
  bucket        = aws_s3_bucket.raw.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/raw/"
}

resource "aws_s3_bucket_lifecycle_configuration" "raw" {
  bucket = aws_s3_bucket.raw.id

  # A dropped object is read once, when a worker copies it into the processed bucket; the copy
  # is what the app serves, so the drop-zone object can go to Glacier.
  rule {
    id     = "originals-to-infrequent-access"
    status = "Enabled"

    filter {}

    transition {
      days          = var.raw_ia_transition_days
      storage_class = "STANDARD_IA"
    }

    transition {
      days          = var.raw_glacier_transition_days
      storage_class = "GLACIER"
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.raw]
}

resource "aws_s3_bucket_cors_configuration" "raw" {
  count = length(var.cors_allowed_origins) > 0 ? 1 : 0

  bucket = aws_s3_bucket.raw.id

  cors_rule {
    allowed_methods = ["PUT", "POST", "GET", "HEAD"]
    allowed_origins = var.cors_allowed_origins
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3600
  }
}

# New media under the configured prefix become ingest jobs. S3 allows one suffix per filter
# rule, so each media suffix is its own rule; the rules never overlap.
resource "aws_s3_bucket_notification" "raw" {
  bucket = aws_s3_bucket.raw.id

  # Direct uploads (POST /v1/uploads) land under uploads/ whatever their name: one rule, any suffix.
  queue {
    id            = "direct-uploads"
    queue_arn     = var.notification_queue_arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "uploads/"
  }

  dynamic "queue" {
    for_each = toset(var.notification_suffixes)

    content {
      id            = "media${replace(queue.value, ".", "-")}"
      queue_arn     = var.notification_queue_arn
      events        = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] # removed: its media is deleted
      filter_prefix = var.notification_prefix
      filter_suffix = queue.value
    }
  }
}

# ---------------------------------------------------------------------------------------------
# processed
# ---------------------------------------------------------------------------------------------
resource "aws_s3_bucket" "processed" {
  #checkov:skip=CKV_AWS_144:Artifacts are derived data, rebuilt by reprocessing the originals; replication is not worth doubling storage cost.
  #checkov:skip=CKV2_AWS_62:The app writes here itself and records every object in the catalog; no consumer needs its events.
  bucket        = local.buckets.processed
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_versioning" "processed" {
  bucket = aws_s3_bucket.processed.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "processed" {
  bucket = aws_s3_bucket.processed.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "processed" {
  bucket = aws_s3_bucket.processed.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "processed" {
  bucket = aws_s3_bucket.processed.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_policy" "processed" {
  bucket = aws_s3_bucket.processed.id
  policy = data.aws_iam_policy_document.tls_only["processed"].json

  depends_on = [aws_s3_bucket_public_access_block.processed]
}

resource "aws_s3_bucket_logging" "processed" {
  bucket        = aws_s3_bucket.processed.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/processed/"
}

resource "aws_s3_bucket_lifecycle_configuration" "processed" {
  bucket = aws_s3_bucket.processed.id

  # The app's originals sit under raw/ in this bucket (API uploads never touch the raw bucket) and
  # are read again only on download, reprocess or reindex: the same IA move as the raw bucket.
  rule {
    id     = "originals-to-infrequent-access"
    status = "Enabled"

    filter {
      prefix = "raw/"
    }

    transition {
      days          = var.raw_ia_transition_days
      storage_class = "STANDARD_IA"
    }
  }

  # Transcripts, frames and reports are read by the API at unpredictable times: Intelligent-Tiering
  # moves the cold ones to cheaper tiers and back on access, without retrieval delays or fees.
  rule {
    id     = "artifacts-to-intelligent-tiering"
    status = "Enabled"

    filter {
      prefix = "processed/"
    }

    transition {
      days          = var.processed_tiering_days
      storage_class = "INTELLIGENT_TIERING"
    }
  }

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.processed]
}

resource "aws_s3_bucket_cors_configuration" "processed" {
  count = length(var.cors_allowed_origins) > 0 ? 1 : 0

  bucket = aws_s3_bucket.processed.id

  cors_rule {
    allowed_methods = ["GET", "HEAD"]
    allowed_origins = var.cors_allowed_origins
    allowed_headers = ["*"]
    expose_headers  = ["ETag", "Content-Range", "Accept-Ranges"]
    max_age_seconds = 3600
  }
}

# ---------------------------------------------------------------------------------------------
# logs
# ---------------------------------------------------------------------------------------------
resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log target; logging it into itself would loop.
  #checkov:skip=CKV_AWS_145:ALB and S3 server access-log delivery support only SSE-S3 (AES256) target buckets, not SSE-KMS.
  #checkov:skip=CKV_AWS_144:Access logs are not replicated; they expire after log_expiration_days.
  #checkov:skip=CKV2_AWS_62:Nothing consumes log-delivery events.
  bucket        = local.buckets.logs
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

# ALB access logs and S3 server access logs can only be delivered to SSE-S3 buckets.
resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket = aws_s3_bucket.logs.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = data.aws_iam_policy_document.logs.json

  depends_on = [aws_s3_bucket_public_access_block.logs]
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.log_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}
