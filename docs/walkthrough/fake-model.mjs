// A scripted OpenAI-compatible model for the walkthrough: each request gets the next turn.
import http from 'node:http';
const turns = [
  { text: 'I will document the function.\n', toolCalls: [{ name: 'edit_file', args: { path: 'index.js', old_string: "module.exports = function(num) {", new_string: "/** True when `num` is a finite number or a numeric string. */\nmodule.exports = function(num) {" } }] },
  { text: 'Added a doc comment to index.js.' },
  { text: 'Delivered: index.js now documents what it accepts.\nRun npm test to check.' },
];
const sse = (d) => `data: ${JSON.stringify(d)}\n\n`;
const chunk = (delta, finish = null) => sse({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'fake', choices: [{ index: 0, delta, finish_reason: finish }] });
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const turn = turns.shift() ?? { text: 'done' };
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk({ role: 'assistant', content: '' }));
    res.write(chunk({ content: turn.text }));
    (turn.toolCalls ?? []).forEach((call, index) => res.write(chunk({ tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args) } }] })));
    res.end(chunk({}, turn.toolCalls ? 'tool_calls' : 'stop') + 'data: [DONE]\n\n');
  });
}).listen(18765, '127.0.0.1', () => console.log('fake model on 127.0.0.1:18765'));
