// Job templates: placeholders found and filled (shell syntax left alone), values parsed from
// key=value words, and every mistake named: a missing value, an unknown one, an unknown template.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { expandTemplate, listPlaceholders, parseTemplateValues, splitWords } from '../../../src/config/templates.js';
import { findShellTexts } from '../../../src/agents/agent.js';
import { resolveAgent } from '../../../src/agents/resolve-agent.js';

// A job whose agent runs no text as a shell command (an LLM's, a command agent reading $JOB_PROMPT as data).
const NOT_SHELL = { prompt: false, taskInputs: false };
const SHELL = { prompt: true, taskInputs: true };

const config = configSchema.parse({
  templates: {
    test: { agent: 'sh', prompt: 'npm test -- {file} --reporter={reporter}', mode: 'background', workers: 2 },
    shell: { prompt: 'echo ${HOME} {a,b} $' + '{name} {{literal}} {name}' },
    fan: { agent: 'sh', prompt: 'fan out {topic}', keepGoing: true, retries: 1, tasks: [{ name: 'one', input: 'echo {topic} 1' }, { name: 'two', input: 'echo {topic} 2', dependsOn: ['one'], claims: ['src/**'] }] },
    plain: { prompt: 'no placeholders' },
  },
});

describe('job templates', () => {
  it('finds placeholders in the prompt and the tasks, in order, leaving shell syntax alone', () => {
    expect(listPlaceholders(config.templates.test!)).toEqual(['file', 'reporter']);
    expect(listPlaceholders(config.templates.shell!)).toEqual(['name']);
    expect(listPlaceholders(config.templates.fan!)).toEqual(['topic']);
    expect(listPlaceholders(config.templates.plain!)).toEqual([]);
  });

  it('fills them, records the template and its values, and carries its settings', () => {
    const made = expandTemplate(config, 'test', { file: 'a.test.ts', reporter: 'dot' }, NOT_SHELL);
    expect(made).toMatchObject({ agentName: 'sh', prompt: 'npm test -- a.test.ts --reporter=dot', mode: 'background', workers: 2, retries: null, keepGoing: null, tasks: null, template: { name: 'test', values: { file: 'a.test.ts', reporter: 'dot' } } });
    expect(expandTemplate(config, 'shell', { name: 'x' }, NOT_SHELL).prompt).toBe('echo ${HOME} {a,b} ${name} {literal} x');
    const fan = expandTemplate(config, 'fan', { topic: 'docs' }, NOT_SHELL);
    expect(fan.tasks).toEqual([{ title: 'one', input: 'echo docs 1', dependsOn: [], claims: [] }, { title: 'two', input: 'echo docs 2', dependsOn: ['one'], claims: ['src/**'] }]);
    expect(fan).toMatchObject({ keepGoing: true, retries: 1, agentName: 'sh', mode: null });
    // A value is put in as it is: braces in it are not placeholders.
    expect(expandTemplate(config, 'shell', { name: '{file}' }, NOT_SHELL).prompt).toBe('echo ${HOME} {a,b} ${name} {literal} {file}');
  });

  it('names a missing value, an unknown one, and an unknown template (with the nearest name)', () => {
    expect(() => expandTemplate(config, 'test', { file: 'a' }, NOT_SHELL)).toThrow('Template test needs {reporter}: give file=… reporter=….');
    expect(() => expandTemplate(config, 'test', { file: 'a', reporter: 'b', colour: 'c' }, NOT_SHELL)).toThrow('Template test has no {colour}: give file=… reporter=….');
    expect(() => expandTemplate(config, 'plain', { x: '1' }, NOT_SHELL)).toThrow('Template plain has no {x}: give no values.');
    expect(() => expandTemplate(config, 'tset', {}, NOT_SHELL)).toThrow(expect.objectContaining({ code: 'TEMPLATE_UNKNOWN', message: 'There is no template tset. Did you mean test? Templates: test, shell, fan, plain.' }));
    expect(() => expandTemplate(configSchema.parse({}), 'any', {}, NOT_SHELL)).toThrow('There is no template any: the config defines none (add "templates" to .jobrc.json).');
    expect(() => expandTemplate(config, 'toString', {}, NOT_SHELL)).toThrow(expect.objectContaining({ code: 'TEMPLATE_UNKNOWN' }));
  });

  it('quotes each value for where it lands in a shell command, so the shell reads it as that text', () => {
    const quoting = configSchema.parse({ templates: {
      plain: { prompt: 'echo {v}' },
      word: { prompt: 'npm test -- --name={v}' },
      single: { prompt: "echo 'say {v} now'" },
      double: { prompt: 'echo "say {v} now"' },
      substituted: { prompt: 'echo "$(printf %s {v})" `echo {v}`' },
      comment: { prompt: 'true # {v}\necho after' },
      raw: { prompt: 'npm test {raw:v}' },
      escaped: { prompt: 'echo \\{v}' },
      tasks: { prompt: 'p {v}', tasks: [{ name: 'one', input: 'grep -r {v} src' }] },
    } });
    const fill = (name: string, value: string, shell = SHELL) => expandTemplate(quoting, name, { v: value }, shell).prompt;
    expect(fill('plain', 'x; touch F')).toBe("echo 'x; touch F'");
    expect(fill('plain', "it's $HOME `id` *")).toBe("echo 'it'\\''s $HOME `id` *'");
    expect(fill('plain', '')).toBe("echo ''");
    // A value of safe characters only goes in as it is.
    expect(fill('plain', 'src/a.test.ts')).toBe('echo src/a.test.ts');
    expect(fill('word', 'a b')).toBe("npm test -- --name='a b'");
    expect(fill('single', "x' ; touch F '")).toBe("echo 'say x'\\'' ; touch F '\\'' now'");
    expect(fill('double', 'x" $(touch F) `id` \\')).toBe('echo "say x\\" \\$(touch F) \\`id\\` \\\\ now"');
    expect(fill('substituted', 'a; touch F')).toBe("echo \"$(printf %s 'a; touch F')\" `echo 'a; touch F'`");
    expect(fill('comment', 'x\ntouch F')).toBe('true # x touch F\necho after');
    // {raw:…} opts out: the value is code, as typed.
    expect(fill('raw', '-t unit && npm run build')).toBe('npm test -t unit && npm run build');
    expect(() => fill('escaped', 'x')).toThrow('Template escaped puts {v} right after a backslash in a shell command: remove the backslash, or write {raw:v} to put the value in as typed.');
    // A task's input is quoted when the agent runs it as a command, the prompt when it evaluates it.
    expect(expandTemplate(quoting, 'tasks', { v: 'a b' }, { prompt: false, taskInputs: true })).toMatchObject({ prompt: 'p a b', tasks: [{ input: "grep -r 'a b' src" }] });
    // Not a shell command: as typed.
    expect(fill('plain', 'x; touch F', NOT_SHELL)).toBe('echo x; touch F');
    expect(listPlaceholders(quoting.templates.raw!)).toEqual(['v']);
  });

  it('knows which texts of which agents a shell runs as commands', () => {
    const shellOf = (name: string, agents: object = {}) => findShellTexts(resolveAgent(name, configSchema.parse({ agents }), process.cwd()));
    expect(shellOf('sh')).toEqual({ prompt: true, taskInputs: true });
    expect(shellOf('external')).toEqual(NOT_SHELL);
    expect(shellOf('data', { data: { type: 'command', phases: [{ name: 'wait', run: 'echo "waiting $JOB_PROMPT"; sleep 60' }] } })).toEqual(NOT_SHELL);
    expect(shellOf('bash', { bash: { type: 'command', phases: [{ name: 'go', run: 'bash -lc "$JOB_PROMPT"' }] } })).toEqual(SHELL);
    expect(shellOf('ci', { ci: { type: 'command', phases: [{ name: 'checks', tasks: [{ name: 'lint', run: 'npm run lint' }] }] } })).toEqual({ prompt: false, taskInputs: true });
  });

  it('reads key=value words, quoted as a shell would, and refuses what is not one', () => {
    expect(splitWords(`test file="a b.ts" reporter='dot' x=`)).toEqual(['test', 'file=a b.ts', 'reporter=dot', 'x=']);
    expect(parseTemplateValues(['file=a=b', 'empty='])).toEqual({ file: 'a=b', empty: '' });
    expect(() => parseTemplateValues(['file'])).toThrow('Expected key=value, got "file": give each placeholder as name=value.');
    expect(() => parseTemplateValues(['=x'])).toThrow(expect.objectContaining({ code: 'TEMPLATE_INVALID' }));
    expect(() => parseTemplateValues(['a=1', 'a=2'])).toThrow('a is given twice.');
    expect(() => splitWords('a="open')).toThrow('A " quote is not closed.');
  });

  it('refuses a template whose tasks do not hold together, or with a field it does not know', () => {
    const broken = configSchema.safeParse({ templates: { bad: { prompt: 'p', tasks: [{ name: 'a', input: 'x', dependsOn: ['missing'] }] } } });
    expect(broken.success).toBe(false);
    expect(JSON.stringify(broken.error?.issues)).toContain('missing');
    expect(configSchema.safeParse({ templates: { bad: { prompt: 'p', promt: 'typo' } } }).success).toBe(false);
    expect(configSchema.safeParse({ templates: { Bad: { prompt: 'p' } } }).success).toBe(false);
  });
});
