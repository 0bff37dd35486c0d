// casino_core verifier core: recomputes provably-fair rounds from revealed seeds.
// Pure functions over Web Crypto (SubtleCrypto) and BigInt; no DOM, no network. The page's
// UI and the node agreement test (tests/e2e/test_verifier_page.py) run this same code.
// Mappings follow docs/fairness.md, docs/games.md and the module docstrings of
// casino_core.games / casino_core.fairness.
"use strict";
globalThis.VerifierCore = (function () {
  const subtle = globalThis.crypto.subtle;
  const enc = new TextEncoder();
  const TWO_32 = 4294967296;
  const B32 = 1n << 32n;
  const MAX_SEED_TEXT = 256;
  const MAX_NONCE = (1n << 63n) - 1n;
  const MAX_DIGITS = 64;
  const MAX_DEPTH = 32;
  const HEX64 = /^[0-9a-f]{64}$/;
  const HEX64_ANY = /^[0-9a-fA-F]{64}$/;
  const MISSING = "(missing)";

  class Bad extends Error {} // malformed input: the record cannot be checked
  // A JSON number with a fraction or an exponent, kept as its text: exact, as Python's
  // bounded reader keeps it (a Decimal), and never taken for an integer.
  class JNum {
    constructor(text) { this.text = text; }
    toJSON() { return this.text; }
    toString() { return this.text; }
  }

  // ---------------------------------------------------------------- exact rationals
  function absB(a) { return a < 0n ? -a : a; }
  function gcd(a, b) { a = absB(a); b = absB(b); while (b) { [a, b] = [b, a % b]; } return a; }
  function bitlen(a) { return a === 0n ? 0 : a.toString(2).length; }
  function floorDiv(a, b) { const q = a / b; return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q; }

  class Q {
    constructor(n, d = 1n) {
      if (d === 0n) throw new Bad("division by zero");
      if (d < 0n) { n = -n; d = -d; }
      const g = gcd(n, d) || 1n;
      this.n = n / g; this.d = d / g;
    }
    static of(x) { return x instanceof Q ? x : new Q(BigInt(x)); }
    add(o) { o = Q.of(o); return new Q(this.n * o.d + o.n * this.d, this.d * o.d); }
    sub(o) { o = Q.of(o); return new Q(this.n * o.d - o.n * this.d, this.d * o.d); }
    mul(o) { o = Q.of(o); return new Q(this.n * o.n, this.d * o.d); }
    div(o) { o = Q.of(o); return new Q(this.n * o.d, this.d * o.n); }
    cmp(o) { o = Q.of(o); const a = this.n * o.d, b = o.n * this.d; return a < b ? -1 : a > b ? 1 : 0; }
    eq(o) { return this.cmp(o) === 0; }
    floor() { return floorDiv(this.n, this.d); }
    toString() { return this.d === 1n ? String(this.n) : `${this.n}/${this.d}`; }
  }
  const ZERO = new Q(0n), ONE = new Q(1n);

  function terminates(q) { let d = q.d; while (d % 2n === 0n) d /= 2n; while (d % 5n === 0n) d /= 5n; return d === 1n; }

  // A multiplier as exact decimal text ("1.2", "36"), or "p/q" when none exists.
  function formatQ(q) {
    if (!terminates(q)) return `${q.n}/${q.d}`;
    let places = 0;
    while (q.mul(10n ** BigInt(places)).d !== 1n) places++;
    return decimalText(q, places);
  }
  // q (a multiple of 10^-places) with exactly `places` decimals.
  function decimalText(q, places) {
    const s = q.mul(10n ** BigInt(places));
    if (s.d !== 1n) throw new Bad(`${q} has more than ${places} decimals`);
    const neg = s.n < 0n;
    const digits = absB(s.n).toString().padStart(places + 1, "0");
    const body = places ? `${digits.slice(0, -places)}.${digits.slice(-places)}` : digits;
    return (neg ? "-" : "") + body;
  }
  function floorToDecimals(q, places) { const sc = 10n ** BigInt(places); return new Q(q.mul(sc).floor(), sc); }

  const DECIMAL_TEXT = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
  const RATIO_TEXT = /^([+-]?[0-9]+)\s*\/\s*([0-9]+)$/;
  const INT_TEXT = /^[+-]?[0-9]+$/;

  function decimalQ(text) {
    const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
    const intPart = m[2] || "", frac = m[3] || "";
    const exp = m[4] ? parseInt(m[4], 10) : 0;
    const digits = (intPart + frac).replace(/^0+/, "") || "0";
    const e = exp - frac.length;
    if (digits.length > MAX_DIGITS || Math.abs(e) > 64) throw new Bad(`a number has at most ${MAX_DIGITS} digits and an exponent within +-64`);
    let n = BigInt((intPart + frac) || "0");
    if (m[1] === "-") n = -n;
    return e >= 0 ? new Q(n * 10n ** BigInt(e)) : new Q(n, 10n ** BigInt(-e));
  }
  // An exact number from an int, a JSON number (read as the decimal it prints as), decimal
  // text or "p/q" text (to_fraction / bounded_fraction in Python); else Bad.
  function toQ(v, what = "value") {
    if (v instanceof Q) return v;
    if (v instanceof JNum) return decimalQ(v.text);
    if (typeof v === "boolean" || v === null || v === undefined) throw new Bad(`${what}: expected a number`);
    if (typeof v === "bigint") return new Q(v);
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new Bad(`${what}: expected a finite number`);
      return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? new Q(BigInt(v)) : decimalQ(String(v));
    }
    if (typeof v !== "string") throw new Bad(`${what}: expected a number`);
    const t = v.trim();
    if (t.length > 160) throw new Bad(`${what}: number text too long`);
    const r = RATIO_TEXT.exec(t);
    if (r) {
      if (r[1].replace(/^[+-]/, "").length > MAX_DIGITS || r[2].length > MAX_DIGITS) throw new Bad(`${what}: too many digits`);
      if (BigInt(r[2]) === 0n) throw new Bad(`${what}: zero denominator`);
      return new Q(BigInt(r[1]), BigInt(r[2]));
    }
    if (!DECIMAL_TEXT.test(t)) throw new Bad(`${what}: expected a number like '0.01' or '1/100', got ${JSON.stringify(v.slice(0, 64))}`);
    return decimalQ(t);
  }
  // A decimal (no "p/q") or Bad: BoundedDecimal fields (dice / limbo targets).
  function toDecimalQ(v, what) {
    if (typeof v === "string" && RATIO_TEXT.test(v.trim())) throw new Bad(`${what}: expected a decimal number`);
    return toQ(v, what);
  }
  // An integer param: int, integral JSON number or ASCII integer text (ParamInt).
  function toInt(v, what) {
    if (typeof v === "boolean") throw new Bad(`${what}: expected an integer, got a bool`);
    if (typeof v === "bigint") return v;
    if (typeof v === "string") {
      const t = v.trim();
      if (t.length > MAX_DIGITS + 1 || !INT_TEXT.test(t)) throw new Bad(`${what}: expected an integer`);
      return BigInt(t);
    }
    if ((typeof v === "number" && Number.isFinite(v)) || v instanceof JNum) {
      const q = toQ(v, what);
      if (q.d !== 1n) throw new Bad(`${what}: expected an integer, got ${v}`);
      return q.n;
    }
    throw new Bad(`${what}: expected an integer`);
  }
  function intIn(v, what, lo, hi) {
    const n = toInt(v, what);
    if (n < BigInt(lo) || n > BigInt(hi)) throw new Bad(`${what}: must be in ${lo}..${hi}, got ${n}`);
    return Number(n);
  }

  // The IEEE double nearest to q (ties to even), as Python's float(Fraction) gives.
  function qToDouble(q) {
    let n = q.n; const d = q.d;
    if (n === 0n) return 0;
    const neg = n < 0n; if (neg) n = -n;
    const shift = 54 - (bitlen(n) - bitlen(d));
    const num = shift >= 0 ? n << BigInt(shift) : n;
    const den = shift < 0 ? d << BigInt(-shift) : d;
    const qt = num / den, rem = num % den;
    const extra = bitlen(qt) - 53;
    let mant = qt >> BigInt(extra);
    const dropped = qt & ((1n << BigInt(extra)) - 1n), half = 1n << BigInt(extra - 1);
    if (dropped > half || (dropped === half && (rem !== 0n || (mant & 1n)))) mant += 1n;
    return (neg ? -1 : 1) * Number(mant) * 2 ** (extra - shift);
  }
  // The exact value of a double (Python's Fraction(float)).
  function doubleToQ(x) {
    const dv = new DataView(new ArrayBuffer(8)); dv.setFloat64(0, x);
    const hi = dv.getUint32(0), lo = dv.getUint32(4);
    const exp = (hi >>> 20) & 0x7ff;
    let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    let e;
    if (exp === 0) e = -1074; else { mant |= 1n << 52n; e = exp - 1075; }
    if (hi >>> 31) mant = -mant;
    return e >= 0 ? new Q(mant << BigInt(e)) : new Q(mant, 1n << BigInt(-e));
  }

  // ---------------------------------------------------------------- strict JSON
  // JSON as Python's bounded reader takes it: duplicate keys, NaN and nesting deeper than 32
  // are refused; integers beyond 2^53 stay exact (BigInt).
  function parseJson(text) {
    let i = 0;
    const ws = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
    const fail = (m) => { throw new Bad(`not JSON: ${m} at character ${i}`); };
    function value(depth) {
      ws();
      const c = text[i];
      if (c === "{" || c === "[") {
        if (depth >= MAX_DEPTH) throw new Bad(`nested deeper than ${MAX_DEPTH} levels`);
        i++;
        if (c === "{") {
          const obj = {}; ws();
          if (text[i] === "}") { i++; return obj; }
          for (;;) {
            ws(); if (text[i] !== '"') fail("expected a key");
            const k = str();
            if (Object.prototype.hasOwnProperty.call(obj, k)) throw new Bad(`duplicate key ${JSON.stringify(k)}`);
            ws(); if (text[i++] !== ":") fail("expected ':'");
            Object.defineProperty(obj, k, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
            ws(); const s = text[i++];
            if (s === "}") return obj;
            if (s !== ",") fail("expected ',' or '}'");
          }
        }
        const arr = []; ws();
        if (text[i] === "]") { i++; return arr; }
        for (;;) {
          arr.push(value(depth + 1)); ws();
          const s = text[i++];
          if (s === "]") return arr;
          if (s !== ",") fail("expected ',' or ']'");
        }
      }
      if (c === '"') return str();
      if (text.startsWith("true", i)) { i += 4; return true; }
      if (text.startsWith("false", i)) { i += 5; return false; }
      if (text.startsWith("null", i)) { i += 4; return null; }
      const m = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
      if (!m) fail("unexpected character");
      i += m[0].length;
      if (!m[1] && !m[2]) {
        if (m[0].replace(/^-/, "").length > MAX_DIGITS) throw new Bad(`a JSON integer: at most ${MAX_DIGITS} digits`);
        const b = BigInt(m[0]);
        return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
      }
      decimalQ(m[0]); // within the digit and exponent bounds, else Bad
      return new JNum(m[0]);
    }
    function str() {
      i++;
      let out = "";
      for (;;) {
        const j = text.indexOf('"', i);
        const k = text.indexOf("\\", i);
        if (j < 0) fail("unterminated string");
        if (k < 0 || j < k) { out += text.slice(i, j); i = j + 1; break; }
        out += text.slice(i, k); i = k + 1;
        const e = text[i++];
        const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }[e];
        if (simple !== undefined) out += simple;
        else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) { out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16)); i += 4; }
        else fail("bad escape");
      }
      if (/[\u0000-\u001f]/.test(out)) fail("control character in a string");
      return out;
    }
    if (text.length > (1 << 20)) throw new Bad("a line over 1 MiB");
    const v = value(0); ws();
    if (i !== text.length) fail("extra data");
    return v;
  }

  // Canonical JSON (sorted keys, no spaces, ASCII): what the chain hash covers.
  function canonicalJson(v) {
    if (v === null || typeof v === "boolean") return JSON.stringify(v);
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "number") return JSON.stringify(v);
    if (v instanceof JNum) return canonicalJson(v.text); // Python's canonical_json writes a Decimal as text
    if (typeof v === "string") return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => c === "\u007f" ? c : "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
    if (Array.isArray(v)) return "[" + v.map(canonicalJson).join(",") + "]";
    return "{" + Object.keys(v).sort().map((k) => canonicalJson(k) + ":" + canonicalJson(v[k])).join(",") + "}";
  }

  // ---------------------------------------------------------------- hashing and the stream
  function hex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""); }
  function fromHex(h) { const out = new Uint8Array(h.length / 2); for (let k = 0; k < out.length; k++) out[k] = parseInt(h.substr(2 * k, 2), 16); return out; }
  async function sha256Hex(text) { return hex(new Uint8Array(await subtle.digest("SHA-256", typeof text === "string" ? enc.encode(text) : text))); }
  async function hmacKey(keyBytes) { return subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]); }
  async function hmac(keyBytes, msgBytes) { return new Uint8Array(await subtle.sign("HMAC", await hmacKey(keyBytes), msgBytes)); }

  // Round r of a bet's stream: HMAC_SHA256(key = server seed text, msg = "client:nonce:r").
  class ByteStream {
    constructor(serverSeed, clientSeed, nonce) {
      this.keyBytes = enc.encode(serverSeed); this.prefix = `${clientSeed}:${nonce}:`;
      this.blocks = []; this.cursor = 0; this.key = null;
    }
    async block(r) {
      if (!this.key) this.key = await hmacKey(this.keyBytes);
      while (this.blocks.length <= r) {
        const n = this.blocks.length;
        this.blocks.push(new Uint8Array(await subtle.sign("HMAC", this.key, enc.encode(this.prefix + n))));
      }
      return this.blocks[r];
    }
    async read(n) {
      const out = new Uint8Array(n);
      for (let k = 0; k < n; k++) {
        const pos = this.cursor + k;
        out[k] = (await this.block(Math.floor(pos / 32)))[pos % 32];
      }
      this.cursor += n;
      return out;
    }
    async word() { const b = await this.read(4); return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3]; }
  }
  function bytesToBig(b) { let v = 0n; for (const x of b) v = (v << 8n) | BigInt(x); return v; }

  // The `stake` scheme: float = word / 2^32, int_below(n) = floor(float * n) (n <= 2^21).
  class StakeRng {
    constructor(stream, trace) { this.stream = stream; this.trace = trace; this.scheme = "stake"; }
    async float(label) {
      const at = this.stream.cursor, w = await this.stream.word(), f = w / TWO_32;
      this.trace.push({ label, at, word: w, float: f });
      return f;
    }
    async intBelow(n, label) {
      if (!(n >= 1 && n <= 2 ** 21)) throw new Bad(`n must be in 1..${2 ** 21}`);
      const f = await this.float(label), v = Math.floor(f * n);
      Object.assign(this.trace[this.trace.length - 1], { n, value: v, how: `floor(${f} x ${n}) = ${v}` });
      return v;
    }
  }
  // The `unbiased` scheme: rejection sampling with BigInt; uniform from the top 52 of 64 bits.
  class UnbiasedRng {
    constructor(stream, trace) { this.stream = stream; this.trace = trace; this.scheme = "unbiased"; }
    static limit(n) {
      if (n <= B32) return [1, B32 - (B32 % n)];
      const k = Math.ceil(bitlen(n - 1n) / 32), space = 1n << BigInt(32 * k);
      return [k, space - (space % n)];
    }
    async intBelow(n, label) {
      const big = BigInt(n);
      const [k, limit] = UnbiasedRng.limit(big);
      const rejected = [], at = this.stream.cursor;
      for (;;) {
        const w = bytesToBig(await this.stream.read(4 * k));
        if (w < limit) {
          const v = w % big;
          this.trace.push({ label, at, word: w.toString(), n: String(n), limit: limit.toString(), rejected, value: typeof n === "bigint" ? v : Number(v), how: `${w} mod ${n} = ${v}` });
          return typeof n === "bigint" ? v : Number(v);
        }
        rejected.push(w.toString());
      }
    }
    async uniformBits(label) {
      const at = this.stream.cursor, b = bytesToBig(await this.stream.read(8)), u = b >> 12n;
      this.trace.push({ label, at, word: b.toString(), bits52: u.toString(), how: `top 52 bits of ${b} = ${u}` });
      return u;
    }
  }
  function makeRng(scheme, serverSeed, clientSeed, nonce, trace) {
    const stream = new ByteStream(serverSeed, clientSeed, nonce);
    if (scheme === "stake") return new StakeRng(stream, trace);
    if (scheme === "unbiased") return new UnbiasedRng(stream, trace);
    throw new Bad(`scheme: unknown RNG scheme ${JSON.stringify(scheme)} (known: stake, unbiased)`);
  }

  // ---------------------------------------------------------------- params helpers
  const DEFAULT_EDGE = new Q(1n, 100n);
  function isObj(v) { return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof JNum) && !(v instanceof Q); }
  function checkKeys(params, allowed, game) {
    const unknown = Object.keys(params).filter((k) => !allowed.includes(k)).sort();
    if (unknown.length) throw new Bad(`params.${unknown[0]}: unknown ${game} parameter (known: ${[...allowed].sort().join(", ")})`);
  }
  // A list param: a list, a JSON array text, or comma-separated text.
  function splitList(v, what) {
    if (typeof v === "string") {
      const t = v.trim();
      if (t.startsWith("[")) { try { v = parseJson(t); } catch (e) { return v; } }
      else v = t.split(",").map((p) => p.trim()).filter((p) => p);
    }
    if (Array.isArray(v) && v.length > 1000) throw new Bad(`${what}: more than 1000 items`);
    return v;
  }
  function listParam(v, what, lo, hi) {
    v = splitList(v, what);
    if (!Array.isArray(v)) throw new Bad(`${what}: expected a list`);
    if (v.length < lo || v.length > hi) throw new Bad(`${what}: ${lo}-${hi} items, got ${v.length}`);
    return v;
  }
  function formulaRules(params, extra) {
    const edge = "house_edge" in params ? toQ(params.house_edge, "house_edge") : DEFAULT_EDGE;
    if (edge.cmp(0n) < 0 || edge.cmp(new Q(1n, 2n)) > 0) throw new Bad(`house_edge: must be in [0, 1/2], got ${edge}`);
    const decimals = "decimals" in params ? intIn(params.decimals, "decimals", 0, 8) : 2;
    const rules = { edge, keep: ONE.sub(edge), decimals };
    for (const [k, read] of Object.entries(extra)) rules[k] = read(params[k], k in params);
    const bet = {};
    for (const k of Object.keys(params)) if (k !== "house_edge" && k !== "decimals" && !(k in extra)) bet[k] = params[k];
    return [rules, bet];
  }
  function display(q, d) { return floorToDecimals(q, d); }
  function comb(n, k) { if (k < 0 || k > n) return 0n; let r = 1n; for (let j = 0; j < k; j++) r = (r * BigInt(n - j)) / BigInt(j + 1); return r; }

  let PAYTABLES = null; // {game: {risk: {size: [Q]}}}
  function setPaytables(raw) {
    PAYTABLES = {};
    for (const game of ["plinko", "wheel", "keno"]) {
      PAYTABLES[game] = {};
      for (const [risk, bySize] of Object.entries(raw[game])) {
        PAYTABLES[game][risk] = {};
        for (const [size, row] of Object.entries(bySize)) PAYTABLES[game][risk][size] = row.map((m) => toQ(m));
      }
    }
  }
  function tableFor(game, params, risk, size, extra, tables) {
    if ("table" in params && params.table !== null) {
      const row = listParam(params.table, "table", 1, 1000).map((m) => {
        const q = toQ(m, "table");
        if (q.cmp(0n) < 0) throw new Bad(`table: multiplier must be >= 0, got ${q}`);
        return q;
      });
      if (row.length !== size + extra) throw new Bad(`table: the ${JSON.stringify(risk)} table for ${size} has ${row.length} multipliers, expected ${size + extra}`);
      return row;
    }
    const all = tables || PAYTABLES[game], byRisk = all[risk];
    if (!byRisk) throw new Bad(`risk: no table for risk ${JSON.stringify(risk)} (available: ${Object.keys(all).sort().join(", ")})`);
    const row = byRisk[String(size)];
    if (!row) throw new Bad(`${game === "keno" ? "picks" : game === "wheel" ? "segments" : "rows"}: no ${JSON.stringify(risk)} table for ${size}`);
    return row;
  }
  function riskParam(v, dflt) {
    if (v === undefined) return dflt;
    if (typeof v !== "string" || v.length < 1 || v.length > 32) throw new Bad("risk: a string of 1-32 characters");
    return v;
  }

  // ---------------------------------------------------------------- the games
  // Each: parse(params) -> bet (Bad if invalid); async play(bet, rng) -> {result, multiplier,
  // notes}. `result` is the round record's result object.
  const GAMES = {};

  GAMES.dice = {
    parse(params) {
      const [rules, raw] = formulaRules(params, {
        min_chance: (v, has) => has ? toQ(v, "min_chance") : new Q(1n, 100n),
        max_chance: (v, has) => has ? toQ(v, "max_chance") : new Q(98n),
      });
      const lo = rules.min_chance, hi = rules.max_chance;
      if (!(lo.cmp(new Q(1n, 100n)) >= 0 && lo.cmp(hi) <= 0 && hi.cmp(100n) <= 0 && lo.mul(100n).d === 1n)) throw new Bad("min_chance and max_chance must be multiples of 0.01 in 0.01..100");
      checkKeys(raw, ["target", "condition"], "dice");
      if (!("target" in raw)) throw new Bad("target: missing");
      const target = toDecimalQ(raw.target, "target");
      if (target.cmp(0n) < 0 || target.cmp(100n) > 0 || target.mul(100n).d !== 1n) throw new Bad("target: 0.00-100.00 with at most 2 decimals");
      if (raw.condition !== "over" && raw.condition !== "under") throw new Bad("condition: 'over' or 'under'");
      const t = Number(target.mul(100n).n);
      const [wlo, whi] = raw.condition === "over" ? [t + 1, 10001] : [0, t];
      const rolls = whi - wlo, chance = new Q(BigInt(rolls), 100n);
      if (chance.cmp(lo) < 0 || chance.cmp(hi) > 0) throw new Bad(`target: ${raw.condition} ${formatQ(target)} gives a win chance of ${formatQ(chance)}%`);
      const pays = display(rules.keep.mul(new Q(10001n, BigInt(rolls))), rules.decimals);
      return { rules, wlo, whi, pays };
    },
    async play(bet, rng) {
      const h = await rng.intBelow(10001, "roll (hundredths)");
      const won = bet.wlo <= h && h < bet.whi;
      return { result: { roll: decimalText(new Q(BigInt(h), 100n), 2) }, multiplier: won ? bet.pays : ZERO, notes: [`roll ${decimalText(new Q(BigInt(h), 100n), 2)}: ${won ? "win" : "loss"}`] };
    },
  };

  GAMES.limbo = {
    parse(params) {
      const [rules, raw] = formulaRules(params, {
        max_target: (v, has) => {
          const q = has ? toQ(v, "max_target") : new Q(1000000n);
          if (q.cmp(2n) < 0 || q.cmp(10n ** 9n) > 0) throw new Bad(`max_target: must be in [2, 1000000000], got ${q}`);
          return q;
        },
      });
      checkKeys(raw, ["target"], "limbo");
      if (!("target" in raw)) throw new Bad("target: missing");
      const t = toDecimalQ(raw.target, "target");
      const sc = 10n ** BigInt(rules.decimals), lowest = ONE.add(new Q(1n, sc));
      if (t.cmp(1n) <= 0 || t.mul(sc).d !== 1n || t.cmp(lowest) < 0 || t.cmp(rules.max_target) > 0) throw new Bad(`target: must have at most ${rules.decimals} decimals and lie in [${decimalText(lowest, rules.decimals)}, ${rules.max_target}]`);
      return { rules, target: t };
    },
    async play(bet, rng) {
      const d = bet.rules.decimals, sc = 10n ** BigInt(d);
      let scaled;
      if (rng.scheme === "stake") {
        const f = await rng.float("limbo float"), word = f * TWO_32;
        const keep = qToDouble(bet.rules.keep);
        if (word === 0) scaled = new Q(B32 * sc).mul(doubleToQ(keep)).floor();
        else {
          const raw = (1e8 / (f * 1e8)) * keep;
          const fl = BigInt(Math.floor(raw * Number(sc)));
          scaled = fl > sc ? fl : sc;
        }
      } else {
        const u = await rng.uniformBits("limbo 52 bits");
        const raw = bet.rules.keep.mul(1n << 52n).div(u + 1n);
        const fl = raw.mul(sc).floor();
        scaled = fl > sc ? fl : sc;
      }
      const point = new Q(scaled, sc), won = point.cmp(bet.target) >= 0;
      return { result: { point: decimalText(point, d) }, multiplier: won ? bet.target : ZERO, notes: [`point ${decimalText(point, d)} vs target ${formatQ(bet.target)}: ${won ? "win" : "loss"}`] };
    },
  };

  GAMES.coinflip = {
    parse(params) {
      const [rules, raw] = formulaRules(params, { max_flips: (v, has) => has ? intIn(v, "max_flips", 1, 20) : 20 });
      checkKeys(raw, ["flips"], "coinflip");
      if (!("flips" in raw)) throw new Bad("flips: missing");
      const flips = listParam(raw.flips, "flips", 1, 20);
      for (const f of flips) if (f !== "heads" && f !== "tails") throw new Bad("flips: each is 'heads' or 'tails'");
      if (flips.length > rules.max_flips) throw new Bad(`flips: ${flips.length} predictions, allowed 1-${rules.max_flips}`);
      return { rules, flips, pays: display(rules.keep.mul(1n << BigInt(flips.length)), rules.decimals) };
    },
    async play(bet, rng) {
      const out = [];
      for (let k = 0; k < bet.flips.length; k++) {
        if (rng.scheme === "stake") {
          // The public Stake verifier's mapping: tails when the float is <= 0.5, heads above.
          const f = await rng.float(`flip ${k + 1}`);
          const side = f <= 0.5 ? "tails" : "heads";
          Object.assign(rng.trace[rng.trace.length - 1], { value: side, how: `${f} ${f <= 0.5 ? "<=" : ">"} 0.5: ${side}` });
          out.push(side);
        } else {
          out.push((await rng.intBelow(2, `flip ${k + 1} (0 heads, 1 tails)`)) ? "tails" : "heads");
        }
      }
      const won = out.every((s, k) => s === bet.flips[k]);
      return { result: { flips: out }, multiplier: won ? bet.pays : ZERO, notes: [`flips ${out.join(", ")}: ${won ? "win" : "loss"}`] };
    },
  };

  GAMES.plinko = {
    parse(params, tables) {
      checkKeys(params, ["rows", "risk", "table"], "plinko");
      const rows = "rows" in params ? intIn(params.rows, "rows", 1, 32) : 16;
      const risk = riskParam(params.risk, "low");
      return { rows, risk, table: tableFor("plinko", params, risk, rows, 1, tables) };
    },
    async play(bet, rng) {
      let path = "", bucket = 0;
      for (let r = 0; r < bet.rows; r++) {
        const right = await rng.intBelow(2, `row ${r + 1} (1 = right)`);
        bucket += right; path += right ? "R" : "L";
      }
      return { result: { path, bucket }, multiplier: bet.table[bucket], notes: [`path ${path}, bucket ${bucket}`] };
    },
  };

  GAMES.wheel = {
    parse(params, tables) {
      checkKeys(params, ["segments", "risk", "table"], "wheel");
      const segments = "segments" in params ? intIn(params.segments, "segments", 2, 1000) : 10;
      const risk = riskParam(params.risk, "low");
      return { segments, risk, table: tableFor("wheel", params, risk, segments, 0, tables) };
    },
    async play(bet, rng) {
      const s = await rng.intBelow(bet.table.length, "segment");
      return { result: { segment: s }, multiplier: bet.table[s], notes: [`segment ${s}`] };
    },
  };

  GAMES.keno = {
    parse(params, tables) {
      checkKeys(params, ["picks", "risk", "table"], "keno");
      if (!("picks" in params)) throw new Bad("picks: missing");
      const picks = listParam(params.picks, "picks", 1, 10).map((p) => intIn(p, "picks", 1, 40));
      if (new Set(picks).size !== picks.length) throw new Bad("picks: must be distinct");
      const risk = riskParam(params.risk, "classic");
      return { picks, risk, table: tableFor("keno", params, risk, picks.length, 1, tables) };
    },
    async play(bet, rng) {
      const remaining = Array.from({ length: 40 }, (_, k) => k + 1), drawn = [];
      for (let k = 0; k < 10; k++) drawn.push(remaining.splice(await rng.intBelow(40 - k, `draw ${k + 1}: index among ${40 - k} left`), 1)[0]);
      const hits = drawn.filter((x) => bet.picks.includes(x)).length;
      return { result: { drawn, hits }, multiplier: bet.table[hits], notes: [`drawn ${drawn.join(", ")}; ${hits} hits`] };
    },
  };

  // Roulette: the layout's valid inside bets, each bet's return per pocket.
  const RED = new Set([1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36]);
  const INSIDE = { straight: 1, split: 2, street: 3, corner: 4, six_line: 6, top_line: 5 };
  const PAYS = { straight: 36n, split: 18n, street: 12n, corner: 9n, six_line: 6n, top_line: 7n, dozen: 3n, column: 3n };
  const KINDS = ["straight", "split", "street", "corner", "six_line", "top_line", "dozen", "column", "red", "black", "odd", "even", "low", "high"];
  const range = (a, b, s = 1) => { const o = []; for (let x = a; x < b; x += s) o.push(x); return o; };
  const key = (nums) => [...nums].sort((a, b) => a - b).join("-");
  function layout(american) {
    const L = { straight: [], split: [], street: [], corner: [], six_line: [], top_line: [] };
    for (let n = 0; n < 37; n++) L.straight.push([n]);
    for (let n = 1; n < 36; n++) if (n % 3) L.split.push([n, n + 1]);
    for (let n = 1; n < 34; n++) L.split.push([n, n + 3]);
    for (let n = 1; n < 37; n += 3) L.street.push([n, n + 1, n + 2]);
    for (let n = 1; n < 33; n++) if (n % 3) L.corner.push([n, n + 1, n + 3, n + 4]);
    for (let n = 1; n < 32; n += 3) L.six_line.push(range(n, n + 6));
    if (american) {
      L.straight.push([37]);
      L.split.push([0, 1], [0, 2], [37, 2], [37, 3], [0, 37]);
      L.street.push([0, 1, 2], [0, 37, 2], [37, 2, 3]);
      L.top_line.push([0, 37, 1, 2, 3]);
    } else {
      L.split.push([0, 1], [0, 2], [0, 3]);
      L.street.push([0, 1, 2], [0, 2, 3]);
      L.corner.push([0, 1, 2, 3]);
    }
    const out = {};
    for (const [k, sets] of Object.entries(L)) out[k] = new Set(sets.map(key));
    return out;
  }
  const LAYOUTS = { european: layout(false), american: layout(true) };
  const EVEN_MONEY = {
    red: new Set(RED), black: new Set(range(1, 37).filter((n) => !RED.has(n))),
    odd: new Set(range(1, 37, 2)), even: new Set(range(2, 37, 2)), low: new Set(range(1, 19)), high: new Set(range(19, 37)),
  };
  function compactBets(text) {
    const out = [];
    for (const part of text.split(";")) {
      if (!part.trim()) continue;
      const star = part.indexOf("*");
      const spec = star < 0 ? part : part.slice(0, star), amount = star < 0 ? "" : part.slice(star + 1);
      const colon = spec.indexOf(":");
      const kind = (colon < 0 ? spec : spec.slice(0, colon)).trim(), target = colon < 0 ? "" : spec.slice(colon + 1).trim();
      const w = { kind };
      if (amount.trim()) w.amount = amount.trim();
      if (target) { if (kind === "dozen" || kind === "column") w.which = target; else w.numbers = target; }
      out.push(w);
    }
    return out;
  }
  function wagerCover(variant, w, i) {
    const where = `bets.${i}`;
    if (!isObj(w)) throw new Bad(`${where}: expected an object`);
    const unknown = Object.keys(w).filter((k) => !["kind", "numbers", "which", "amount"].includes(k));
    if (unknown.length) throw new Bad(`${where}.${unknown[0]}: extra field`);
    if (!KINDS.includes(w.kind)) throw new Bad(`${where}.kind: unknown bet kind`);
    let nums = w.numbers === undefined ? [] : w.numbers;
    if (typeof nums === "string") nums = nums.replace(/-/g, ",").split(",").filter((p) => p.trim());
    if (!Array.isArray(nums)) throw new Bad(`${where}.numbers: expected a list`);
    nums = nums.map((v) => (typeof v === "string" && v.trim() === "00") ? 37 : intIn(v, `${where}.numbers`, 0, 37));
    if (new Set(nums).size !== nums.length) throw new Bad(`${where}.numbers: must be distinct`);
    const which = w.which === undefined || w.which === null ? null : intIn(w.which, `${where}.which`, 1, 3);
    const amount = w.amount === undefined ? 1n : toInt(w.amount, `${where}.amount`);
    if (amount < 1n || amount > 10n ** 30n) throw new Bad(`${where}.amount: must be in 1..10^30`);
    const kind = w.kind, size = INSIDE[kind];
    let cover;
    if (size !== undefined) {
      if (which !== null) throw new Bad(`${where}.which: only dozen and column bets take 'which'`);
      if (kind === "top_line" && !nums.length) nums = [0, 37, 1, 2, 3];
      const valid = LAYOUTS[variant][kind];
      if (!valid.size) throw new Bad(`${where}.kind: ${kind} is not a bet on ${variant} roulette`);
      if (nums.length !== size) throw new Bad(`${where}.numbers: a ${kind} bet covers ${size} numbers`);
      if (!valid.has(key(nums))) throw new Bad(`${where}.numbers: not a ${kind} on the ${variant} layout`);
      cover = new Set(nums);
    } else {
      if (nums.length) throw new Bad(`${where}.numbers: a ${kind} bet takes no numbers`);
      if (kind === "dozen" || kind === "column") {
        if (which === null) throw new Bad(`${where}.which: a ${kind} bet needs which = 1, 2 or 3`);
        cover = new Set(kind === "dozen" ? range(12 * (which - 1) + 1, 12 * which + 1) : range(which, 37, 3));
      } else {
        if (which !== null) throw new Bad(`${where}.which: only dozen and column bets take 'which'`);
        cover = EVEN_MONEY[kind];
      }
    }
    return { cover, win: amount * (PAYS[kind] || 2n), amount };
  }
  GAMES.roulette = {
    parse(params) {
      checkKeys(params, ["variant", "bets"], "roulette");
      const variant = params.variant === undefined ? "european" : params.variant;
      if (variant !== "european" && variant !== "american") throw new Bad("variant: 'european' or 'american'");
      let bets = params.bets;
      if (typeof bets === "string" && !bets.trim().startsWith("[")) bets = compactBets(bets);
      else bets = splitList(bets, "bets");
      if (!Array.isArray(bets) || bets.length < 1 || bets.length > 200) throw new Bad("bets: 1-200 bets");
      const plan = bets.map((w, i) => wagerCover(variant, w, i));
      return { variant, plan, pockets: variant === "american" ? 38 : 37, total: plan.reduce((s, p) => s + p.amount, 0n) };
    },
    async play(bet, rng) {
      const pocket = await rng.intBelow(bet.pockets, "pocket (37 = 00)");
      const ret = bet.plan.reduce((s, p) => s + (p.cover.has(pocket) ? p.win : 0n), 0n);
      return { result: { pocket }, multiplier: new Q(ret, bet.total), notes: [`pocket ${pocket === 37 ? "00" : pocket}; returns ${ret} of ${bet.total} staked`] };
    },
  };

  GAMES.mines = {
    parse(params) {
      const [rules, raw] = formulaRules(params, {});
      checkKeys(raw, ["mines", "tiles"], "mines");
      if (!("mines" in raw)) throw new Bad("mines: missing");
      if (!("tiles" in raw)) throw new Bad("tiles: missing");
      const mines = intIn(raw.mines, "mines", 1, 24);
      const tiles = listParam(raw.tiles, "tiles", 1, 24).map((t) => intIn(t, "tiles", 0, 24));
      if (new Set(tiles).size !== tiles.length) throw new Bad("tiles: a tile may be revealed only once");
      if (tiles.length > 25 - mines) throw new Bad(`tiles: at most ${25 - mines} safe tiles exist with ${mines} mines`);
      return { rules, mines, tiles };
    },
    // Could the round still be in play after these moves (so forfeited)? Not once every
    // safe tile is revealed: that cashes out.
    forfeitable(bet) { return bet.tiles.length < 25 - bet.mines; },
    async play(bet, rng) {
      const remaining = range(0, 25), placed = [];
      for (let k = 0; k < bet.mines; k++) placed.push(remaining.splice(await rng.intBelow(25 - k, `mine ${k + 1}: index among ${25 - k} tiles left`), 1)[0]);
      const revealed = [];
      let busted = false;
      for (const t of bet.tiles) {
        revealed.push(t);
        if (placed.includes(t)) { busted = true; break; }
        if (revealed.length === 25 - bet.mines) break;
      }
      const d = revealed.length;
      const mult = busted ? ZERO : display(bet.rules.keep.mul(new Q(comb(25, d), comb(25 - bet.mines, d))), bet.rules.decimals);
      return { result: { mines: placed }, multiplier: mult, notes: [`mines at ${placed.join(", ")}; revealed ${revealed.join(", ")}: ${busted ? "hit a mine" : "cashed out"}`] };
    },
  };

  const RANKS = ["2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K", "A"], SUITS = ["D", "H", "S", "C"];
  const HILO_ACTIONS = ["higher_or_same", "lower_or_same", "higher", "lower", "same", "likelier", "skip", "cash_out"];
  function cardName(c) { return RANKS[Math.floor(c / 4)] + SUITS[c % 4]; }
  function hiloValue(c) { return (Math.floor(c / 4) + 1) % 13; }
  function winning(g, v) {
    if (g === "higher_or_same") return [v, 13];
    if (g === "lower_or_same") return [0, v + 1];
    if (g === "higher") return [v + 1, 13];
    if (g === "lower") return [0, v];
    return [v, v + 1];
  }
  GAMES.hilo = {
    parse(params) {
      const [rules, raw] = formulaRules(params, { max_actions: (v, has) => has ? intIn(v, "max_actions", 1, 100) : 52 });
      checkKeys(raw, ["actions"], "hilo");
      if (!("actions" in raw)) throw new Bad("actions: missing");
      const actions = listParam(raw.actions, "actions", 1, 100);
      for (const a of actions) if (!HILO_ACTIONS.includes(a)) throw new Bad(`actions: unknown ${JSON.stringify(a)}`);
      if (actions.slice(0, -1).includes("cash_out")) throw new Bad("actions: cash_out may only be the last action");
      if (!actions.some((a) => a !== "skip" && a !== "cash_out")) throw new Bad("actions: at least one guess is needed before cashing out");
      const moves = actions.filter((a) => a !== "cash_out");
      if (moves.length > rules.max_actions) throw new Bad(`actions: ${moves.length} guesses and skips, allowed 1-${rules.max_actions}`);
      return { rules, moves, cashOut: actions[actions.length - 1] === "cash_out" };
    },
    // Could the round still be in play after these moves (so forfeited)? Not after a
    // recorded cash-out.
    forfeitable(bet) { return !bet.cashOut; },
    async play(bet, rng) {
      const deck = [];
      for (let k = 0; k <= bet.rules.max_actions; k++) deck.push(await rng.intBelow(52, `card ${k + 1}`));
      let pos = 0, odds = ONE, guesses = 0;
      const notes = [];
      const end = (won, mult) => ({ result: { cards: deck.slice(0, pos + 1) }, multiplier: mult, notes: [...notes, won ? "cashed out" : "lost"] });
      for (let action of bet.moves) {
        const v = hiloValue(deck[pos]);
        if (action === "likelier") action = 13 - v >= v + 1 ? "higher_or_same" : "lower_or_same";
        const nxt = pos + 1;
        if (action === "skip") { notes.push(`${cardName(deck[pos])}: skip`); pos = nxt; continue; }
        const [a, b] = winning(action, v);
        if (b - a <= 0) throw new Bad(`action: ${JSON.stringify(action)} cannot win on ${cardName(deck[pos])}`);
        const nv = hiloValue(deck[nxt]);
        notes.push(`${cardName(deck[pos])}: ${action} -> ${cardName(deck[nxt])}`);
        pos = nxt;
        if (!(a <= nv && nv < b)) return end(false, ZERO);
        odds = odds.mul(new Q(BigInt(b - a), 13n)); guesses++;
      }
      if (!guesses) throw new Bad("action: cash out needs at least one correct guess");
      return end(true, display(bet.rules.keep.div(odds), bet.rules.decimals));
    },
  };

  // Crash: one point per game hash; stake_crash and bustabit_v2 in IEEE doubles.
  async function crashPoint(scheme, gameHash, salt, edge) {
    if (typeof gameHash !== "string" || !HEX64.test(gameHash)) throw new Bad("game_hash: must be 64 lowercase hex characters");
    if (typeof salt !== "string" || !salt) throw new Bad("salt: must be a non-empty string");
    if (edge.cmp(0n) < 0 || edge.cmp(1n) >= 0) throw new Bad(`house edge must be in [0, 1), got ${edge}`);
    const keepQ = ONE.sub(edge);
    let hundredths, how;
    if (scheme === "stake_crash") {
      const digest = await hmac(enc.encode(gameHash), enc.encode(salt));
      const w = ((digest[0] << 24) >>> 0) + (digest[1] << 16) + (digest[2] << 8) + digest[3];
      const point = Math.max(1.0, (TWO_32 / (w + 1)) * qToDouble(keepQ));
      hundredths = Math.floor(point * 100);
      how = `w = ${w}; max(1, 2^32 / (w + 1) x ${qToDouble(keepQ)}) = ${point}`;
    } else if (scheme === "bustabit_v2") {
      const digest = await hmac(enc.encode(salt), fromHex(gameHash));
      const r = Number(bytesToBig(digest.slice(0, 7)) >> 4n), x = r / 2 ** 52;
      hundredths = Math.floor(qToDouble(keepQ.mul(100n)) / (1 - x));
      how = `r = ${r}; X = ${x}; floor(${qToDouble(keepQ.mul(100n))} / (1 - X)) = ${hundredths}`;
    } else throw new Bad(`scheme: unknown crash scheme ${JSON.stringify(scheme)} (known: stake_crash, bustabit_v2)`);
    return { point: decimalText(new Q(BigInt(Math.max(100, hundredths)), 100n), 2), how };
  }

  // One round from its inputs (the form's "play it again").
  async function computeRound(game, scheme, serverSeed, clientSeed, nonce, params) {
    const spec = GAMES[game];
    if (!spec) throw new Bad(`game: unknown game ${JSON.stringify(game)}`);
    const n = toInt(nonce, "nonce");
    if (n < 0n || n > MAX_NONCE) throw new Bad(`nonce: must be an int in 0..${MAX_NONCE}`);
    const bet = spec.parse(params);
    const trace = [];
    const out = await spec.play(bet, makeRng(scheme, serverSeed, clientSeed, n.toString(), trace));
    return { game, result: out.result, multiplier: out.multiplier, multiplierText: formatQ(out.multiplier), trace, notes: out.notes };
  }

  // ---------------------------------------------------------------- record verification
  const V1_FIELDS = ["version", "game", "scheme", "server_seed", "server_seed_hash", "client_seed", "nonce", "params", "result", "multiplier", "game_hash", "salt", "placed_at", "seed_revealed_at", "offering_id", "offering_version", "rules_fingerprint"];
  const CHAIN_FIELDS = ["chain_seq", "chain_prev", "chain_hash"];
  const V2_EXTRA = ["kind", "round_id", "player_id", "mode", "currency", "decimals", "stake", "payout"];
  const CURRENCY = /^[A-Z][A-Z0-9]{1,11}$/;
  const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;
  const AMOUNT = /^(?:0|[1-9][0-9]{0,35})$/;
  const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

  function asDecimal(v) {
    if (typeof v === "boolean") return null;
    if (typeof v === "number" || typeof v === "bigint" || v instanceof JNum) { try { return toQ(v); } catch (e) { return null; } }
    if (typeof v === "string" && NUMBER.test(v.trim())) { try { return toQ(v.trim()); } catch (e) { return null; } }
    return null;
  }
  function same(rec, exp) {
    if (typeof exp === "boolean" || typeof rec === "boolean") return rec === exp;
    const want = asDecimal(exp);
    if (want !== null) { const got = asDecimal(rec); return got !== null && got.eq(want); }
    if (Array.isArray(exp)) return Array.isArray(rec) && rec.length === exp.length && exp.every((e, k) => same(rec[k], e));
    if (isObj(exp)) return isObj(rec) && Object.keys(rec).length === Object.keys(exp).length && Object.keys(exp).every((k) => k in rec && same(rec[k], exp[k]));
    return rec === exp;
  }
  function multiplierMatches(rec, exact) {
    let q;
    try { q = toQ(rec); } catch (e) { return false; }
    if (q.eq(exact)) return true;
    const t = String(rec).trim();
    if (terminates(exact) || !t.includes(".") || !NUMBER.test(t)) return false;
    const places = t.split(".")[1].length;
    return places >= 8 && floorToDecimals(exact, places).eq(q);
  }
  function seedText(record, k) {
    const v = record[k];
    if (typeof v !== "string" || !v) throw new Bad(`${k}: must be a non-empty string`);
    if (v.length > MAX_SEED_TEXT) throw new Bad(`${k}: at most ${MAX_SEED_TEXT} characters, got ${v.length}`);
    return v;
  }
  function show(v) { if (v instanceof Q) return formatQ(v); if (typeof v === "bigint" || v instanceof JNum) return v.toString(); return v; }
  function diff(field, recorded, expected) { return { field, recorded: show(recorded), expected: show(expected) }; }

  function checkFields(record, version, required) {
    const known = version === 2 ? [...V1_FIELDS, ...CHAIN_FIELDS, ...V2_EXTRA] : [...V1_FIELDS, ...CHAIN_FIELDS];
    const unknown = Object.keys(record).filter((k) => !known.includes(k)).sort();
    if (unknown.length) throw new Bad(`${unknown[0]}: not a field of round record v${version}`);
    for (const k of required) if (!(k in record)) throw new Bad(`${k}: missing`);
    for (const k of ["placed_at", "seed_revealed_at"]) if (k in record && (typeof record[k] !== "string" || !ISO.test(record[k]))) throw new Bad(`${k}: not an ISO 8601 timestamp with a UTC offset`);
    const present = ["offering_id", "offering_version", "rules_fingerprint"].filter((k) => k in record);
    if (present.length && present.length !== 3 && !(version === 2 && record.game === "crash")) throw new Bad("offering_id, offering_version and rules_fingerprint come together");
    if ("offering_id" in record && (typeof record.offering_id !== "string" || record.offering_id.length < 1 || record.offering_id.length > 64)) throw new Bad("offering_id: must be a string of 1-64 characters");
    if ("offering_version" in record && !(Number.isInteger(record.offering_version) && record.offering_version >= 1 && record.offering_version <= 1e9)) throw new Bad("offering_version: must be an integer >= 1");
    if ("rules_fingerprint" in record && !(typeof record.rules_fingerprint === "string" && HEX64.test(record.rules_fingerprint))) throw new Bad("rules_fingerprint: must be 64 lowercase hex characters");
    let params = record.params;
    if (params === null || params === undefined) params = {};
    if (!isObj(params)) throw new Bad("params: must be an object");
    if (!isObj(record.result)) throw new Bad("result: must be an object");
    return params;
  }
  function resultDiffs(rec, exp) {
    const out = [];
    for (const [k, v] of Object.entries(exp)) if (!(k in rec && same(rec[k], v))) out.push(diff(`result.${k}`, k in rec ? rec[k] : MISSING, v));
    for (const k of Object.keys(rec)) if (!(k in exp)) out.push(diff(`result.${k}`, rec[k], MISSING));
    return out;
  }
  // Against the operator's published catalog (casino_core.catalog.Catalog.check_record):
  // the record names an offering version of its game with that version's fingerprint, the
  // offering allows its bet (choices, the pinned rules' bounds) and its params pay under
  // exactly the offering's rules.
  const RULE_KEYS = {
    dice: ["house_edge", "decimals", "min_chance", "max_chance"], limbo: ["house_edge", "decimals", "max_target"],
    coinflip: ["house_edge", "decimals", "max_flips"], mines: ["house_edge", "decimals"], hilo: ["house_edge", "decimals", "max_actions"],
    plinko: ["tables", "table"], wheel: ["tables", "table"], keno: ["tables", "table"], roulette: ["variant"],
  };
  const PLAYED = { mines: "tiles", hilo: "actions" };
  const TABLE_SIZE = { plinko: "rows", wheel: "segments", keno: "picks" };
  function checkCatalog(record, catalog, diffs) {
    if (!catalog) return;
    if (!("offering_id" in record)) { diffs.push(diff("offering_id", MISSING, "an offering of the published catalog")); return; }
    const off = (catalog.offerings || []).find((o) => o.id === record.offering_id && o.version === record.offering_version);
    if (!off) { diffs.push(diff("offering_version", `${record.offering_id} v${record.offering_version}`, "a version in the catalog")); return; }
    if (record.game !== off.game) { diffs.push(diff("game", record.game, off.game)); return; }
    if (record.rules_fingerprint !== off.rules_fingerprint) diffs.push(diff("rules_fingerprint", record.rules_fingerprint, off.rules_fingerprint));
    const params = isObj(record.params) ? record.params : {};
    const game = off.game, keys = RULE_KEYS[game] || [];
    const bet = {};
    for (const [k, v] of Object.entries(params)) if (!keys.includes(k)) bet[k] = v;
    let placed;
    try { placed = placeBet(off, bet); } catch (e) {
      if (!(e instanceof Bad)) throw e;
      diffs.push(diff("params", params, `a bet offering ${off.id} v${off.version} allows (${e.message})`));
      return;
    }
    let same;
    try { same = sameRules(game, GAMES[game].parse(params), placed); } catch (e) { if (!(e instanceof Bad)) throw e; same = false; }
    if (!same) diffs.push(diff("params", params, "the rules of offering " + `${off.id} v${off.version}`));
  }
  // The offering's parse of a bet (its pinned rules, its choices); Bad if it refuses it.
  function placeBet(off, bet) {
    const game = off.game, rules = off.rules || {};
    for (const [name, allowed] of Object.entries(off.choices || {})) {
      let value = bet[name];
      if (name === "picks" || Array.isArray(value)) continue; // choices restrict scalar fields
      if (value === undefined) value = { rows: 16, segments: 10, risk: game === "keno" ? "classic" : "low", variant: "european" }[name];
      if (value === undefined || !allowed.some((a) => String(a) === String(value))) throw new Bad(`${name}: offering ${JSON.stringify(off.id)} allows ${allowed.join(", ")}; got ${JSON.stringify(show(value))}`);
    }
    if (TABLE_SIZE[game]) {
      const tables = {};
      for (const [risk, bySize] of Object.entries(rules.tables || {})) {
        tables[risk] = {};
        for (const [size, row] of Object.entries(bySize)) tables[risk][size] = row.map((m) => toQ(m));
      }
      return GAMES[game].parse(bet, tables); // the offering's table for this bet
    }
    const played = PLAYED[game];
    const withRules = Object.assign({}, bet, rules);
    if (played && !(played in withRules)) withRules[played] = game === "mines" ? [0] : ["likelier"];
    return GAMES[game].parse(withRules);
  }
  function sameRules(game, a, b) {
    if (TABLE_SIZE[game]) return a.table.length === b.table.length && a.table.every((m, k) => m.eq(b.table[k]));
    if (game === "roulette") return a.variant === b.variant;
    const ra = a.rules, rb = b.rules;
    return Object.keys(ra).every((k) => (ra[k] instanceof Q ? ra[k].eq(rb[k]) : ra[k] === rb[k]));
  }
  function sameRule(a, b) {
    try { return toQ(a).eq(toQ(b)); } catch (e) { return canonicalJson(a) === canonicalJson(b); }
  }

  // Verify one parsed record (v1 or v2), as casino_core's verify_record does.
  async function verifyRecord(record, opts = {}) {
    if (!isObj(record)) throw new Bad("a round record is a JSON object");
    const version = record.version;
    if (version !== 1 && version !== 2) throw new Bad(`version: must be 1 or 2, got ${JSON.stringify(show(version))}`);
    // Optional fields are absent, never null (the published record models; params: {}).
    for (const [k, v] of Object.entries(record)) if (v === null && k !== "params") throw new Bad(`${k}: must not be null (leave an optional field out)`);
    if ("kind" in record && (version === 1 || record.kind !== "round")) throw new Bad(`kind: ${JSON.stringify(show(record.kind))} is not a round record's kind`);
    if (version === 2) checkV2(record);
    const game = record.game;
    const diffs = [];
    let multiplier = null, result = null, trace = [], forfeitable = false;
    if (game === "crash") {
      const params = checkFields(record, version, ["game", "scheme", "game_hash", "salt", "result"]);
      for (const k of ["server_seed", "server_seed_hash", "client_seed", "nonce"]) if (k in record) throw new Bad(`${k}: a crash record carries game_hash and salt instead`);
      const scheme = seedText(record, "scheme");
      const unknown = Object.keys(params).filter((k) => k !== "house_edge" && k !== "target").sort();
      if (unknown.length) throw new Bad(`params.${unknown[0]}: not a crash parameter (house_edge, target)`);
      const edge = "house_edge" in params ? toQ(params.house_edge, "params: house_edge") : DEFAULT_EDGE;
      const target = "target" in params ? toQ(params.target, "params: target") : null;
      // No crash table accepts a target below 1.01, above the largest max_target any rules may set, or with more than 2 decimals.
      if (target !== null && (target.mul(100n).d !== 1n || target.cmp(new Q(101n, 100n)) < 0 || target.cmp(10n ** 9n) > 0)) throw new Bad(`params.target: a crash cash-out target has at most 2 decimals and lies in [1.01, 1000000000], got ${formatQ(target)}`);
      const cp = await crashPoint(scheme, seedText(record, "game_hash"), seedText(record, "salt"), edge);
      trace = [{ label: "crash point", how: cp.how }];
      result = { crash_point: cp.point };
      diffs.push(...resultDiffs(record.result, result));
      if (target === null && version === 2) throw new Bad("params.target: a crash record v2 carries its bet's cash-out target (the payout is checked against it)");
      multiplier = target === null ? null : (toQ(cp.point).cmp(target) >= 0 ? target : ZERO);
      if ("multiplier" in record) {
        if (multiplier === null) throw new Bad("multiplier: a crash record needs params.target to check it");
        if (!multiplierMatches(record.multiplier, multiplier)) diffs.push(diff("multiplier", record.multiplier, multiplier));
      }
    } else {
      const params = checkFields(record, version, ["game", "scheme", "server_seed", "client_seed", "nonce", "result"]);
      for (const k of ["game_hash", "salt"]) if (k in record) throw new Bad(`${k}: only crash records carry ${k}`);
      if (typeof game !== "string" || !GAMES[game]) throw new Bad(`game: unknown game ${JSON.stringify(show(game))}`);
      const scheme = seedText(record, "scheme");
      if (scheme !== "stake" && scheme !== "unbiased") throw new Bad(`scheme: unknown RNG scheme ${JSON.stringify(scheme)} (known: stake, unbiased)`);
      const server = seedText(record, "server_seed"), client = seedText(record, "client_seed");
      const nonce = record.nonce;
      if (!((typeof nonce === "number" && Number.isInteger(nonce) && nonce >= 0) || (typeof nonce === "bigint" && nonce >= 0n && nonce <= MAX_NONCE))) throw new Bad(`nonce: must be an int in 0..${MAX_NONCE}`);
      const commitment = record.server_seed_hash;
      if (commitment !== undefined && commitment !== null) {
        if (typeof commitment !== "string" || !HEX64_ANY.test(commitment)) throw new Bad("server_seed_hash: commitment must be 64 hex characters");
        const actual = await sha256Hex(server);
        if (actual !== commitment.toLowerCase()) diffs.push(diff("server_seed_hash", commitment, actual));
      }
      let bet;
      try { bet = GAMES[game].parse(params); } catch (e) { if (e instanceof Bad) throw new Bad(`params: ${e.message}`); throw e; }
      const out = await GAMES[game].play(bet, makeRng(scheme, server, client, String(nonce), trace));
      result = out.result; multiplier = out.multiplier;
      forfeitable = (game === "mines" || game === "hilo") && GAMES[game].forfeitable(bet);
      diffs.push(...resultDiffs(record.result, result));
      if ("multiplier" in record && !multiplierMatches(record.multiplier, multiplier)) diffs.push(diff("multiplier", record.multiplier, multiplier));
      checkCatalog(record, opts.catalog, diffs);
    }
    if (version === 2) {
      // The money: payout = floor(stake x multiplier) for the recomputed multiplier, exact
      // (0 for a mines or hilo record without a multiplier whose moves left the round in
      // play: a forfeited round pays nothing; any other round is paid by its multiplier
      // whether or not the record writes it).
      const stake = BigInt(record.stake), payout = BigInt(record.payout);
      const forfeited = !("multiplier" in record) && forfeitable;
      const due = multiplier === null || forfeited ? 0n : (stake * multiplier.n) / multiplier.d;
      if (payout !== due) diffs.push(diff("payout", record.payout, due.toString()));
    }
    return { status: diffs.length ? "mismatch" : "match", game: typeof game === "string" ? game : null, differences: diffs, multiplier: multiplier === null ? null : formatQ(multiplier), result, trace };
  }

  // What round record v2 adds to v1, validated as its published model does.
  function checkV2(record) {
    for (const k of ["round_id", "player_id"]) if (!(k in record)) throw new Bad(`${k}: missing`); else if (typeof record[k] !== "string" || record[k].length < 1 || record[k].length > 128) throw new Bad(`${k}: a string of 1-128 characters`);
    for (const k of ["mode", "currency", "decimals", "stake", "payout", "placed_at"]) if (!(k in record)) throw new Bad(`${k}: missing`);
    if (record.mode !== "real" && record.mode !== "demo") throw new Bad("mode: 'real' or 'demo'");
    if (typeof record.currency !== "string" || !CURRENCY.test(record.currency)) throw new Bad("currency: a currency code such as USD or ETH");
    if (!(Number.isInteger(record.decimals) && record.decimals >= 0 && record.decimals <= 18)) throw new Bad("decimals: an integer in 0..18");
    for (const k of ["stake", "payout"]) if (typeof record[k] !== "string" || !AMOUNT.test(record[k])) throw new Bad(`${k}: minor units as a decimal integer string (0 .. 10^36 - 1)`);
    const chain = ["chain_seq", "chain_prev", "chain_hash"].filter((k) => k in record);
    if (chain.length && chain.length !== 3) throw new Bad("chain_seq, chain_prev and chain_hash come together");
    if (record.game === "crash") {
      if (!("offering_id" in record)) throw new Bad("offering_id: missing (a crash bet names its table)");
      for (const k of ["offering_version", "rules_fingerprint"]) if (k in record) throw new Bad(`${k}: a crash record names its table only (offering_id)`);
    } else if (typeof record.server_seed_hash !== "string" || !HEX64.test(record.server_seed_hash)) {
      throw new Bad("server_seed_hash: 64 lowercase hex characters (required in v2)");
    }
  }

  // A seed pair's reveal line, as casino_core's verify_reveal checks it.
  async function verifyReveal(line) {
    const need = ["kind", "version", "player_id", "server_seed_hash", "server_seed", "client_seed", "scheme", "nonces_used", "revealed_at"];
    const unknown = Object.keys(line).filter((k) => !need.includes(k)).sort();
    if (unknown.length) throw new Bad(`${unknown[0]}: not a field of a reveal line`);
    for (const k of need) if (!(k in line)) throw new Bad(`${k}: missing`);
    if (line.version !== 2) throw new Bad("version: a reveal line is version 2");
    if (typeof line.player_id !== "string" || line.player_id.length < 1 || line.player_id.length > 128) throw new Bad("player_id: a string of 1-128 characters");
    if (typeof line.server_seed_hash !== "string" || !HEX64.test(line.server_seed_hash)) throw new Bad("server_seed_hash: 64 lowercase hex characters");
    const server = seedText(line, "server_seed"); seedText(line, "client_seed");
    if (line.scheme !== "stake" && line.scheme !== "unbiased") throw new Bad(`scheme: unknown RNG scheme ${JSON.stringify(show(line.scheme))} (known: stake, unbiased)`);
    const used = line.nonces_used;
    if (!((Number.isInteger(used) && used >= 0) || (typeof used === "bigint" && used >= 0n && used <= MAX_NONCE))) throw new Bad("nonces_used: an integer >= 0");
    if (typeof line.revealed_at !== "string" || !ISO.test(line.revealed_at)) throw new Bad("revealed_at: not an ISO 8601 timestamp with a UTC offset");
    const actual = await sha256Hex(server);
    const diffs = actual === line.server_seed_hash ? [] : [diff("server_seed_hash", line.server_seed_hash, actual)];
    return { status: diffs.length ? "mismatch" : "match", game: null, kind: "reveal", differences: diffs };
  }

  // A void line: a mines or hilo round that ended before any move (casino_core's
  // verify_void): well formed, mines or hilo (no other round can end before a move, so a
  // void line of another game would hide a round), a known scheme, and it paid nothing.
  const VOID_FIELDS = ["kind", "version", "round_id", "player_id", "mode", "game", "scheme", "server_seed_hash", "client_seed", "nonce", "status", "currency", "decimals", "stake", "payout", "placed_at", "seed_revealed_at", "offering_id", "offering_version", "rules_fingerprint", "chain_seq", "chain_prev", "chain_hash"];
  async function verifyVoid(line) {
    const unknown = Object.keys(line).filter((k) => !VOID_FIELDS.includes(k)).sort();
    if (unknown.length) throw new Bad(`${unknown[0]}: not a field of a void line`);
    for (const [k, v] of Object.entries(line)) if (v === null) throw new Bad(`${k}: must not be null (leave an optional field out)`);
    for (const k of ["game", "scheme", "client_seed", "nonce", "status"]) if (!(k in line)) throw new Bad(`${k}: missing`);
    if (line.version !== 2) throw new Bad("version: a void line is version 2");
    checkV2(line);
    if (line.game !== "mines" && line.game !== "hilo") throw new Bad(`game: a void line is a mines or hilo round, got ${JSON.stringify(show(line.game))}`);
    if (line.scheme !== "stake" && line.scheme !== "unbiased") throw new Bad(`scheme: unknown RNG scheme ${JSON.stringify(show(line.scheme))} (known: stake, unbiased)`);
    seedText(line, "client_seed");
    const nonce = line.nonce;
    if (!((Number.isInteger(nonce) && nonce >= 0) || (typeof nonce === "bigint" && nonce >= 0n && nonce <= MAX_NONCE))) throw new Bad(`nonce: must be an int in 0..${MAX_NONCE}`);
    if (typeof line.status !== "string" || line.status.length < 1 || line.status.length > 64) throw new Bad("status: a string of 1-64 characters");
    for (const k of ["placed_at", "seed_revealed_at"]) if (k in line && (typeof line[k] !== "string" || !ISO.test(line[k]))) throw new Bad(`${k}: not an ISO 8601 timestamp with a UTC offset`);
    const offering = ["offering_id", "offering_version", "rules_fingerprint"].filter((k) => k in line);
    if (offering.length && offering.length !== 3) throw new Bad("offering_id, offering_version and rules_fingerprint come together");
    const diffs = line.payout === "0" ? [] : [diff("payout", line.payout, "0")];
    return { status: diffs.length ? "mismatch" : "match", game: line.game, kind: "void", differences: diffs, multiplier: null };
  }

  function moment(text) { return typeof text === "string" && ISO.test(text) ? Date.parse(text.replace(" ", "T")) : null; }
  function short(h) { return `${h.slice(0, 16)}...`; }

  // Across the lines of an export (as `casino-core audit verify` checks them): nonces in
  // sequence per seed pair, no bet after its seed's reveal, each reveal line against its
  // pair's rounds (a missing tail, rounds beyond the nonces used), v2 pairs with no reveal.
  async function sequenceFindings(lines, find) {
    const next = new Map(), pairs = new Map(), reveals = new Map();
    for (const { line, value: v, check: c } of lines) {
      if (c.status === "malformed") continue;
      if (c.kind === "reveal") {
        const key = `${v.server_seed_hash}\u0000${v.client_seed}`;
        if (reveals.has(key)) find(line, "reveal_repeat", `seed pair ${short(v.server_seed_hash)} revealed again (first on line ${reveals.get(key).line})`);
        else reveals.set(key, { line, used: BigInt(v.nonces_used), at: moment(v.revealed_at), hash: v.server_seed_hash, player: v.player_id });
        continue;
      }
      const isVoid = c.kind === "void";  // no seed, but its nonce is taken
      if (!isVoid && (typeof v.server_seed !== "string" || typeof v.client_seed !== "string" || "game_hash" in v)) continue;
      const key = `${isVoid ? v.server_seed_hash : await sha256Hex(v.server_seed)}\u0000${v.client_seed}`;
      const placed = moment(v.placed_at), revealed = moment(v.seed_revealed_at);
      const after = placed !== null && revealed !== null && placed >= revealed;
      if (typeof v.nonce === "number" || typeof v.nonce === "bigint") {
        const seen = pairs.get(key) || { first: line, v2: false, latest: null, latestLine: 0, player: null, playerLine: 0 };
        pairs.set(key, seen);
        seen.v2 = seen.v2 || v.version === 2;
        if (!after && placed !== null && (seen.latest === null || placed > seen.latest)) { seen.latest = placed; seen.latestLine = line; }
        // A seed pair is one player's: the player of its first v2 line, which every other
        // line of the pair (its reveal line included) must name.
        const player = v.version === 2 && typeof v.player_id === "string" ? v.player_id : null;
        if (seen.player === null && player !== null) { seen.player = player; seen.playerLine = line; }
        else if (player !== null && player !== seen.player) find(line, "pair_player_mismatch", `seed pair ${short(key)}: player ${JSON.stringify(player)}, but the pair's first round is player ${JSON.stringify(seen.player)}'s (line ${seen.playerLine})`);
      }
      if (after) find(line, "used_after_reveal", `bet placed at ${v.placed_at}, its seed revealed at ${v.seed_revealed_at}`);
      if (!(typeof v.nonce === "number" || typeof v.nonce === "bigint")) continue;
      const nonce = BigInt(v.nonce), expected = next.get(key) || 0n, pair = short(key);
      if (nonce === expected) next.set(key, expected + 1n);
      else if (nonce > expected) {
        const where = expected ? `follows nonce ${expected - 1n}` : "is the pair's first round";
        find(line, "nonce_gap", `seed pair ${pair} nonce ${nonce} ${where}: ${nonce === expected + 1n ? `nonce ${expected}` : `nonces ${expected}..${nonce - 1n}`} missing`);
        next.set(key, nonce + 1n);
      } else find(line, "nonce_repeat", `seed pair ${pair} nonce ${nonce} again (next expected ${expected})`);
    }
    for (const [key, r] of reveals) {
      const present = next.get(key) || 0n, name = `seed pair ${short(r.hash)}`;
      if (r.used > present) find(r.line, "missing_tail", `${name}: the reveal says ${r.used} nonces used, ${present ? `the rounds end at nonce ${present - 1n}` : "no round"}: ${present === r.used - 1n ? `nonce ${present}` : `nonces ${present}..${r.used - 1n}`} missing`);
      else if (present > r.used) find(r.line, "beyond_reveal", `${name}: the reveal says ${r.used} nonces used, yet rounds go up to nonce ${present - 1n}`);
      const seen = pairs.get(key);
      if (seen && seen.player !== null && typeof r.player === "string" && r.player !== seen.player) find(r.line, "reveal_player_mismatch", `${name}: the reveal names player ${JSON.stringify(r.player)}, its rounds player ${JSON.stringify(seen.player)} (line ${seen.playerLine})`);
      if (seen && seen.latest !== null && r.at !== null && seen.latest >= r.at) find(seen.latestLine, "used_after_reveal", `a bet placed after its seed was revealed (reveal line ${r.line})`);
    }
    for (const [key, seen] of pairs) if (seen.v2 && !reveals.has(key)) find(seen.first, "unrevealed", `seed pair with ${next.get(key) || 0n} nonces: no reveal line, so whether rounds are missing at its end cannot be checked`);
  }

  // The hash chain over each player's history (as casino_core.chain verifies it): every
  // link's hash, and the links between the lines.
  const GENESIS = "0".repeat(64);
  // A void line's "kind" is part of its body; a round record's optional "kind" is not.
  const NOT_IN_BODY = ["server_seed", "seed_revealed_at", "chain_seq", "chain_prev", "chain_hash"];
  async function chainFindings(lines, find) {
    const byHash = new Map(), chained = [], unchained = [];
    for (const { line, value: v } of lines) {
      if (!isObj(v)) continue;
      if (("kind" in v) && v.kind !== "round" && v.kind !== "void") {
        if (CHAIN_FIELDS.some((k) => k in v)) find(line, "chain", "edited: a line of this kind has no link");
        continue;
      }
      if (!["chain_seq", "chain_prev", "chain_hash"].some((k) => k in v)) { unchained.push(line); continue; }
      const seq = v.chain_seq;
      if (!((Number.isInteger(seq) && seq >= 1) || (typeof seq === "bigint" && seq >= 1n && seq <= MAX_NONCE))) { find(line, "chain", "malformed: chain_seq must be an integer from 1 to 2**63 - 1"); continue; }
      if (![v.chain_prev, v.chain_hash].every((h) => typeof h === "string" && HEX64.test(h))) { find(line, "chain", "malformed: chain_prev and chain_hash are 64 lowercase hex characters"); continue; }
      const body = {};
      for (const [k, x] of Object.entries(v)) if (!NOT_IN_BODY.includes(k) && !(k === "round_id" && v.version === 1) && !(k === "kind" && x === "round")) body[k] = x;
      const want = await sha256Hex(new Uint8Array([...fromHex(v.chain_prev), ...enc.encode(canonicalJson(body))]));
      if (want !== v.chain_hash) find(line, "chain", "edited: chain_hash does not match the record");
      const entry = { line, seq: BigInt(seq), prev: v.chain_prev, hash: v.chain_hash, player: typeof v.player_id === "string" ? v.player_id : null };
      if (byHash.has(entry.hash)) { find(line, "chain", `duplicate of line ${byHash.get(entry.hash).line}`); continue; }
      byHash.set(entry.hash, entry); chained.push(entry);
    }
    const successor = new Map();
    chained.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : a.line - b.line));
    for (const e of chained) {
      if (e.seq === 1n) { if (e.prev !== GENESIS) find(e.line, "chain", "chain_seq 1 must follow 64 zeros"); }
      else {
        const before = byHash.get(e.prev);
        if (!before) find(e.line, "chain", `link ${e.seq - 1n} is missing (deleted?)`);
        else if (before.seq !== e.seq - 1n) find(e.line, "chain", `reordered: follows line ${before.line} (chain_seq ${before.seq}), not chain_seq ${e.seq - 1n}`);
        else if (e.player !== null && before.player !== null && before.player !== e.player) find(e.line, "chain", `follows line ${before.line} of another player`);
      }
      if (e.player === null && e.prev === GENESIS) continue;
      const after = e.prev !== GENESIS ? e.prev : `${e.player}:${GENESIS}`;
      if (successor.has(after)) find(e.line, "chain", `inserted: line ${successor.get(after).line} already follows`);
      else successor.set(after, e);
    }
    if (chained.length) for (const line of unchained) find(line, "chain", "no chain fields");
  }

  // The lines of an export given as text, or as a file's bytes: each line decoded as strict
  // UTF-8 (null for a line that is not UTF-8, which is malformed as casino_core has it;
  // never decoded with its bytes replaced, which could make such a line verify).
  function exportLines(input) {
    if (typeof input === "string") return input.split(/\r?\n/);
    const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }), lines = [];
    for (let start = 0, k = 0; k <= input.length; k++) {
      if (k < input.length && input[k] !== 10) continue;
      const end = k > start && input[k - 1] === 13 ? k - 1 : k;
      try { lines.push(strict.decode(input.subarray(start, end))); } catch (e) { lines.push(null); }
      start = k + 1;
    }
    return lines;
  }

  // Verify a JSON Lines export (text, or a file's bytes as a Uint8Array): one verdict per
  // non-blank line (as verify_lines gives them), then, over two or more lines, the findings
  // across lines (sequenceFindings, chainFindings).
  async function verifyExport(text, opts = {}) {
    const out = [], parsed = [];
    const lines = exportLines(text);
    for (let k = 0; k < lines.length; k++) {
      const raw = lines[k];
      if (raw !== null && !raw.trim()) continue;
      let check, value;
      try {
        if (raw === null) throw new Bad("not UTF-8 text");
        value = parseJson(raw);
        check = isObj(value) && value.kind === "reveal" ? await verifyReveal(value)
          : isObj(value) && value.kind === "void" ? await verifyVoid(value)
          : await verifyRecord(value, { catalog: opts.catalog });
      } catch (e) {
        if (!(e instanceof Bad)) throw e;
        check = { status: "malformed", game: null, differences: [], error: `line ${k + 1}: ${e.message}` };
      }
      check.line = k + 1;
      out.push(check);
      if (value !== undefined) parsed.push({ line: k + 1, value, check });
    }
    const findings = [];
    if (out.length > 1) {
      const find = (line, kind, detail) => findings.push({ line, kind, detail });
      await sequenceFindings(parsed.filter((p) => isObj(p.value)), find);
      await chainFindings(parsed, find);
      findings.sort((a, b) => a.line - b.line);
    }
    const summary = { total: out.length, matched: 0, mismatched: 0, malformed: 0, findings: findings.length };
    for (const c of out) summary[{ match: "matched", mismatch: "mismatched", malformed: "malformed" }[c.status]]++;
    return { checks: out, findings, summary };
  }

  async function verifyLine(text, opts = {}) {
    const r = await verifyExport(text, opts);
    return r.checks[0] || null;
  }

  async function checkCommitment(serverSeed, commitment) {
    if (typeof commitment !== "string" || !HEX64_ANY.test(commitment.trim())) throw new Bad("the commitment is 64 hex characters");
    const actual = await sha256Hex(serverSeed);
    return { ok: actual === commitment.trim().toLowerCase(), actual };
  }

  return {
    Bad, Q, toQ, formatQ, decimalText, qToDouble, doubleToQ, parseJson, canonicalJson, sha256Hex,
    setPaytables, computeRound, crashPoint, verifyRecord, verifyExport, verifyLine, checkCommitment,
    cardName, games: Object.keys(GAMES).concat(["crash"]),
  };
})();
if (typeof module !== "undefined") module.exports = globalThis.VerifierCore;
