// Raw-socket HTTP clients for the shim's end-to-end tests, where curl cannot go: bytes sent as
// given (duplicate headers), a connection that trickles a byte at a time, and a flood of such
// connections from one loopback address. Loopback only; every run stops by itself.
//   node http-probe.mjs raw PORT            < request bytes   prints the status code, or "closed"
//   node http-probe.mjs trickle PORT INTERVAL_MS MAX_MS      prints the ms until the server closed it,
//                                                            or "open" if it still was at MAX_MS
//   node http-probe.mjs flood PORT FROM_ADDRESS COUNT HOLD_MS
//       keeps COUNT connections from FROM_ADDRESS (127.0.0.0/8) open for HOLD_MS, each trickling a
//       request's headers a byte every 500 ms and opened again when the server closes it; prints
//       {"connected", "closed_by_server", "open_at_end"}.
import net from "node:net";

const [mode, portText, ...rest] = process.argv.slice(2);
const port = Number(portText);
const host = "127.0.0.1";
const head = "POST /kinde/webhook HTTP/1.1\r\nHost: shim\r\nContent-Type: application/jwt\r\nContent-Length: 10\r\n";

function raw() {
  const chunks = [];
  process.stdin.on("data", (chunk) => chunks.push(chunk));
  process.stdin.on("end", () => {
    const socket = net.connect({ host, port }, () => socket.end(Buffer.concat(chunks)));
    let answer = "";
    socket.setTimeout(10000, () => socket.destroy());
    socket.on("data", (data) => (answer += data.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      console.log(status ? status[1] : "closed");
    });
  });
}

function trickle(intervalMs, maxMs) {
  const started = Date.now();
  const socket = net.connect({ host, port });
  let sent = 0;
  const timer = setInterval(() => socket.write(head[sent++ % head.length]), intervalMs);
  const give_up = setTimeout(() => {
    console.log("open");
    clearInterval(timer);
    socket.destroy();
  }, maxMs);
  socket.on("error", () => {});
  socket.on("close", () => {
    if (socket.destroyed && Date.now() - started >= maxMs) return;
    clearInterval(timer);
    clearTimeout(give_up);
    console.log(String(Date.now() - started));
  });
  socket.on("connect", () => socket.write(head[sent++]));
}

function flood(from, count, holdMs) {
  let connected = 0, closedByServer = 0, finished = false;
  const live = new Set();
  // Each of COUNT slots keeps a connection trickling; one the server closes is opened again
  // (50 ms later), as an attacker would, until HOLD_MS.
  const open = () => {
    const socket = net.connect({ host, port, localAddress: from });
    let sent = 0;
    const timer = setInterval(() => socket.writable && socket.write(head[sent++ % head.length]), 500);
    live.add(socket);
    socket.on("connect", () => {
      connected++;
      socket.write(head[sent++]);
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(timer);
      live.delete(socket);
      if (finished) return;
      closedByServer++;
      setTimeout(() => finished || open(), 50);
    });
  };
  for (let i = 0; i < count; i++) open();
  setTimeout(() => {
    finished = true;
    const openAtEnd = [...live].filter((socket) => socket.readyState === "open").length;
    for (const socket of live) socket.destroy();
    console.log(JSON.stringify({ connected, closed_by_server: closedByServer, open_at_end: openAtEnd }));
  }, holdMs);
}

if (mode === "raw") raw();
else if (mode === "trickle") trickle(Number(rest[0]), Number(rest[1]));
else if (mode === "flood") flood(rest[0], Number(rest[1]), Number(rest[2]));
else {
  console.error("usage: http-probe.mjs raw|trickle|flood PORT ...");
  process.exit(64);
}
