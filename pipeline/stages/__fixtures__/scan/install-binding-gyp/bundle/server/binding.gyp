{ 'targets': [{ 'target_name': 'fixture', 'sources': ['src/fixture.cc'] }] }
