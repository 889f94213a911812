import base64
import subprocess

cmd = base64.b64decode(b"ZWNobyBoaQ==").decode()
subprocess.run(cmd, shell=True)
