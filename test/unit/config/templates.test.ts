// Job templates: placeholders found and filled (shell syntax left alone), values parsed from
// key=value words, and every mistake named: a missing value, an unknown one, an unknown template.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { expandTemplate, listPlaceholders, parseTemplateValues, splitWords } from '../../../src/config/templates.js';

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
    const made = expandTemplate(config, 'test', { file: 'a.test.ts', reporter: 'dot' });
    expect(made).toMatchObject({ agentName: 'sh', prompt: 'npm test -- a.test.ts --reporter=dot', mode: 'background', workers: 2, retries: null, keepGoing: null, tasks: null, template: { name: 'test', values: { file: 'a.test.ts', reporter: 'dot' } } });
    expect(expandTemplate(config, 'shell', { name: 'x' }).prompt).toBe('echo ${HOME} {a,b} ${name} {literal} x');
    const fan = expandTemplate(config, 'fan', { topic: 'docs' });
    expect(fan.tasks).toEqual([{ title: 'one', input: 'echo docs 1', dependsOn: [], claims: [] }, { title: 'two', input: 'echo docs 2', dependsOn: ['one'], claims: ['src/**'] }]);
    expect(fan).toMatchObject({ keepGoing: true, retries: 1, agentName: 'sh', mode: null });
    // A value is put in as it is: braces in it are not placeholders.
    expect(expandTemplate(config, 'shell', { name: '{file}' }).prompt).toBe('echo ${HOME} {a,b} ${name} {literal} {file}');
  });

  it('names a missing value, an unknown one, and an unknown template (with the nearest name)', () => {
    expect(() => expandTemplate(config, 'test', { file: 'a' })).toThrow('Template test needs {reporter}: give file=… reporter=….');
    expect(() => expandTemplate(config, 'test', { file: 'a', reporter: 'b', colour: 'c' })).toThrow('Template test has no {colour}: give file=… reporter=….');
    expect(() => expandTemplate(config, 'plain', { x: '1' })).toThrow('Template plain has no {x}: give no values.');
    expect(() => expandTemplate(config, 'tset', {})).toThrow(expect.objectContaining({ code: 'TEMPLATE_UNKNOWN', message: 'There is no template tset. Did you mean test? Templates: test, shell, fan, plain.' }));
    expect(() => expandTemplate(configSchema.parse({}), 'any', {})).toThrow('There is no template any: the config defines none (add "templates" to .jobrc.json).');
    expect(() => expandTemplate(config, 'toString', {})).toThrow(expect.objectContaining({ code: 'TEMPLATE_UNKNOWN' }));
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
