// A CLI's shell-completion template (as yargs bundles it): the redirect is text printed for the
// user to run, it never reaches a shell, and no file API is called on the rc file.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const completionZshTemplate = `#compdef {{app_name}}
###-begin-{{app_name}}-completions-###
#
# yargs command completion script
#
# Installation: {{app_path}} {{completion_command}} >> ~/.zshrc
#    or {{app_path}} {{completion_command}} >> ~/.zprofile on OSX.
#
_{{app_name}}_yargs_completions()
{
  local reply
  reply=($(COMP_CWORD="$((CURRENT-1))" COMP_LINE="$BUFFER" COMP_POINT="$CURSOR" {{app_path}} --get-yargs-completions "\${words[@]}"))
}
###-end-{{app_name}}-completions-###
`;

export function printCompletion(name) {
  console.log(completionZshTemplate.replaceAll('{{app_name}}', name));
}

export function version() {
  return execFileSync('git', ['--version'], { encoding: 'utf8' });
}

export function saveLog(text) {
  writeFileSync('/tmp/fixture-server.log', text);
}
