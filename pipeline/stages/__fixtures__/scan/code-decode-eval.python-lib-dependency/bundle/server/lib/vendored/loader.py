# A vendored dependency, not the package of the entry point.
import base64
exec(base64.b64decode("cHJpbnQoMSk="))
