// D, the ceiling for HTTP: a bare node:http server that reads the request body
// and answers a fixed JSON (no parsing, validation or scoring).
//
//   node test/bench/bare-server.mjs PORT
import { createServer } from 'node:http';

const answer = Buffer.from(
  JSON.stringify({ is_anomaly: false, anomaly_score: 0.0319, threshold: 1.157, confidence: 0.972, timestamp: '2024-01-15T10:30:00.000Z', machine_id: 'MACHINE_001' }),
);
createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
    res.end(answer);
  });
}).listen(Number(process.argv[2] ?? 8000), '127.0.0.1');
