"""Django REST framework integration: authentication classes, permissions, throttles, error handler."""
