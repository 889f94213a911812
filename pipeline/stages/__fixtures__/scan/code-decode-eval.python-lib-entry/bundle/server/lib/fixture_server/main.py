# The server's own package, vendored into lib/ beside its dependencies.
import base64
exec(base64.b64decode("cHJpbnQoMSk="))
