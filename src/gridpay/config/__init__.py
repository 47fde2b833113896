"""Django settings, URL routes and the WSGI/ASGI applications."""
