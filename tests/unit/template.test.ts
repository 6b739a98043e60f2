import { describe, expect, it } from 'vitest';
import { placeholderProblems, renderTemplate } from '../../edge/engine/template';
import placeholders from './cases/placeholders.json';
import problems from './cases/placeholder-problems.json';

const fields = { traits: { firstName: 'Ada', evil: '<img src=x onerror=alert(1)>', plan: 'pro' }, geo: { city: 'Zürich' }, hour: 9 };

describe('variant placeholders', () => {
  it.each([
    ['a trait', 'Hi {{traits.firstName}}!', true, 'Hi Ada!'],
    ['spaces inside the braces', 'Hi {{ traits.firstName }}!', true, 'Hi Ada!'],
    ['a default for a missing value', 'Hi {{traits.nickname | default:"there"}}!', true, 'Hi there!'],
    ['no default: empty', 'Hi {{traits.nickname}}!', true, 'Hi !'],
    ['a number', 'It is {{hour}} o’clock', true, 'It is 9 o’clock'],
    ['unicode', 'Hello {{geo.city}}', true, 'Hello Zürich'],
    ['an attacker value in HTML is escaped', '<p>{{traits.evil}}</p>', true, '<p>&lt;img src=x onerror=alert(1)&gt;</p>'],
    ['a default is escaped in HTML too', '{{x | default:"<b>"}}', true, '&lt;b&gt;'],
    ['text content is not escaped (it is set as text)', '{{traits.evil}}', false, '<img src=x onerror=alert(1)>'],
    ['an object is not printed', '{{traits}}', true, ''],
    ['prototype keys read as missing', '{{traits.__proto__ | default:"no"}}', true, 'no'],
    ['no placeholders', 'Plain <b>HTML</b>', true, 'Plain <b>HTML</b>'],
  ])('%s', (_name, template, html, expected) => {
    expect(renderTemplate(template, fields, html)).toBe(expected);
  });
});

describe('placeholders are escaped for where they land (HTML variants)', () => {
  it.each(placeholders as { name: string; template: string; fields?: Record<string, unknown>; out: string }[])('$name', ({ template, fields: own, out }) => {
    expect(renderTemplate(template, own ?? { traits: { firstName: 'Ada', website: 'javascript:alert(document.cookie)' } }, true)).toBe(out);
  });
});

describe('placeholders that cannot be filled safely are refused on save', () => {
  it.each(problems as { name: string; template: string; problems: string[] }[])('$name', ({ template, problems: expected }) => {
    expect(placeholderProblems(template)).toEqual(expected);
  });
});
