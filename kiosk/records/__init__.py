"""What the kiosk keeps and does with it: consultations sent and reviewed,
their stored PDFs and the render queue, retention and backups."""
