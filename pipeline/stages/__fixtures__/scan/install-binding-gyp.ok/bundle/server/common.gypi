{ 'variables': { 'fixture%': 1 } }
