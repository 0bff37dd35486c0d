// The page's UI over VerifierCore: forms in, verdicts out. No network, no storage.
"use strict";
(function () {
  const C = globalThis.VerifierCore;
  const $ = (id) => document.getElementById(id);
  C.setPaytables(JSON.parse($("paytables").textContent));
  const catalogText = $("catalog").textContent.trim();
  const catalog = catalogText && catalogText !== "null" ? JSON.parse(catalogText) : null;

  // Bet fields per game: [param, label, kind, default, options or hint].
  const FIELDS = {
    dice: [["target", "Target", "text", "50.00", "0.00-100.00"], ["condition", "Condition", "select", "over", ["over", "under"]]],
    limbo: [["target", "Target multiplier", "text", "2.00", "e.g. 2.00"]],
    coinflip: [["flips", "Predicted flips", "text", "heads", "heads/tails, comma-separated"]],
    plinko: [["rows", "Rows", "text", "16", "8-16"], ["risk", "Risk", "select", "low", ["low", "medium", "high", "expert"]]],
    wheel: [["segments", "Segments", "select", "10", ["10", "20", "30", "40", "50"]], ["risk", "Risk", "select", "low", ["low", "medium", "high"]]],
    keno: [["picks", "Picks", "text", "1,2,3,4,5", "1-10 numbers of 1-40"], ["risk", "Risk", "select", "classic", ["classic", "low", "medium", "high"]]],
    roulette: [["variant", "Variant", "select", "european", ["european", "american"]], ["bets", "Bets", "text", "red", "e.g. red;straight:17*2;dozen:1"]],
    mines: [["mines", "Mines", "text", "3", "1-24"], ["tiles", "Tiles revealed, in order", "text", "0,1,2", "0-24, row by row"]],
    hilo: [["actions", "Actions, in order", "text", "likelier,likelier,cash_out", "higher_or_same, lower_or_same, higher, lower, same, likelier, skip, cash_out"]],
    crash: [["crash_scheme", "Crash scheme", "select", "stake_crash", ["stake_crash", "bustabit_v2"]], ["game_hash", "Game hash", "text", "", "64 hex characters"], ["salt", "Salt", "text", "", "the published salt"], ["target", "Your cash-out target", "text", "", "optional, e.g. 2.00"]],
  };
  const TABLE_GAMES = ["plinko", "wheel", "keno", "roulette"];

  function el(tag, attrs = {}, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") e.textContent = v; else if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
    return e;
  }
  function show(v) { return typeof v === "string" ? v : JSON.stringify(v, (k, x) => typeof x === "bigint" ? x.toString() : x); }

  const gameSel = $("game");
  for (const g of C.games) gameSel.append(el("option", { value: g, text: g }));
  const betBox = $("bet-fields");
  for (const [game, fields] of Object.entries(FIELDS)) {
    const group = el("div", { class: "bet", "data-game": game, role: "group", "aria-label": `${game} bet` });
    for (const [name, label, kind, dflt, extra] of fields) {
      const id = `bet-${game}-${name}`;
      const wrap = el("div");
      const hint = kind === "select" ? null : el("span", { class: "hint", text: ` (${extra})` });
      wrap.append(el("label", { for: id }, label, hint));
      let input;
      if (kind === "select") {
        input = el("select", { id, name });
        for (const o of extra) input.append(el("option", { value: o, text: o }));
        input.value = dflt;
      } else {
        input = el("input", { id, name, value: dflt, autocomplete: "off", spellcheck: "false" });
      }
      wrap.append(input);
      group.append(wrap);
    }
    betBox.append(group);
  }

  if (catalog && Array.isArray(catalog.offerings) && catalog.offerings.length) {
    $("offering-box").hidden = false;
    const sel = $("offering");
    sel.append(el("option", { value: "", text: "(none: default rules)" }));
    catalog.offerings.forEach((o, k) => sel.append(el("option", { value: String(k), text: `${o.id} v${o.version} (${o.game})` })));
    sel.addEventListener("change", () => {
      const o = catalog.offerings[Number(sel.value)];
      if (!o) return;
      gameSel.value = o.game; syncGame();
      const rules = Object.assign({}, o.rules);
      $("house-edge").value = rules.house_edge !== undefined ? rules.house_edge : "";
      $("decimals").value = rules.decimals !== undefined ? rules.decimals : "";
      delete rules.house_edge; delete rules.decimals;
      if (rules.variant !== undefined) { $("bet-roulette-variant").value = rules.variant; delete rules.variant; }
      if (rules.tables) { // offer the offering's risks and sizes
        const risks = Object.keys(rules.tables).sort();
        setOptions($(`bet-${o.game}-risk`), risks);
        if (o.game === "wheel") setOptions($("bet-wheel-segments"), Object.keys(rules.tables[risks[0]]).sort((a, b) => a - b));
        if (o.game === "plinko") $("bet-plinko-rows").value = Object.keys(rules.tables[risks[0]])[0];
      }
      delete rules.tables; // a table game's row is taken from the offering when verifying
      $("extra-params").value = Object.keys(rules).length ? JSON.stringify(rules) : "";
    });
  }

  function setOptions(select, values) {
    select.replaceChildren(...values.map((v) => el("option", { value: v, text: v })));
  }

  function syncGame() {
    const g = gameSel.value;
    for (const group of betBox.children) group.hidden = group.dataset.game !== g;
    $("seeds-box").hidden = g === "crash";
    $("scheme-box").hidden = g === "crash";
  }
  gameSel.addEventListener("change", syncGame);
  syncGame();

  function errorBox(out, message) {
    out.replaceChildren(el("p", { class: "err", role: "alert", id: out.id + "-error" }, el("strong", { text: "Cannot check: " }), message));
  }

  function traceTable(trace) {
    if (!trace || !trace.length) return null;
    const head = el("tr", {}, el("th", { text: "#" }), el("th", { text: "draw" }), el("th", { text: "stream byte" }), el("th", { text: "bytes read as" }), el("th", { text: "value" }));
    const rows = trace.map((t, k) => {
      let read = t.float !== undefined ? `word ${t.word} / 2^32 = ${t.float}` : t.bits52 !== undefined ? `8 bytes ${t.word}` : t.word !== undefined ? `word ${t.word}` : "";
      if (t.rejected && t.rejected.length) read += `; rejected (>= ${t.limit}): ${t.rejected.join(", ")}`;
      return el("tr", {}, el("td", { text: String(k + 1) }), el("td", { text: t.label || "" }), el("td", { text: t.at === undefined ? "" : String(t.at) }), el("td", {}, el("code", { text: read })), el("td", {}, el("code", { text: t.how || (t.value !== undefined ? String(t.value) : "") })));
    });
    return el("details", { open: "" }, el("summary", { text: `How it was drawn (${trace.length} draws)` }), el("div", { class: "table-wrap" }, el("table", { id: "round-trace" }, el("thead", {}, head), el("tbody", {}, ...rows))));
  }

  function betParams(game) {
    const params = {};
    for (const [name] of FIELDS[game]) {
      const v = $(`bet-${game}-${name}`).value.trim();
      if (v !== "") params[name] = v;
    }
    if ($("house-edge").value.trim()) params.house_edge = $("house-edge").value.trim();
    if ($("decimals").value.trim()) params.decimals = $("decimals").value.trim();
    const offering = catalog && $("offering").value !== "" ? catalog.offerings[Number($("offering").value)] : null;
    if (offering && offering.game === game && offering.rules.tables && !("table" in params)) {
      // The offering's own paytable row for this bet (its risk and size).
      const size = game === "keno" ? String(params.picks || "").split(",").filter((p) => p.trim()).length : params[{ plinko: "rows", wheel: "segments" }[game]];
      const row = (offering.rules.tables[params.risk] || {})[String(size)];
      if (!row) throw new C.Bad(`offering ${offering.id} has no ${params.risk} table for ${size}`);
      params.table = row;
    }
    const extra = $("extra-params").value.trim();
    if (extra) {
      const more = C.parseJson(extra);
      if (more === null || typeof more !== "object" || Array.isArray(more)) throw new C.Bad("other params must be a JSON object");
      Object.assign(params, more);
    }
    return params;
  }

  $("round-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = $("round-out");
    const game = gameSel.value;
    try {
      const params = betParams(game);
      let res;
      if (game === "crash") {
        const edge = params.house_edge !== undefined ? C.toQ(params.house_edge, "house edge") : new C.Q(1n, 100n);
        const cp = await C.crashPoint(params.crash_scheme, (params.game_hash || "").trim(), params.salt || "", edge);
        let mult = null;
        if (params.target !== undefined) { const t = C.toQ(params.target, "target"); mult = C.toQ(cp.point).cmp(t) >= 0 ? t : new C.Q(0n); }
        res = { result: { crash_point: cp.point }, multiplierText: mult === null ? "(give a target)" : C.formatQ(mult), trace: [{ label: "crash point", how: cp.how }], notes: [] };
      } else {
        const server = $("server-seed").value, client = $("client-seed").value, nonce = $("nonce").value.trim();
        if (!server) throw new C.Bad("paste the revealed server seed");
        if (!client) throw new C.Bad("paste the client seed");
        if (!/^[0-9]+$/.test(nonce)) throw new C.Bad("the nonce is a whole number (0, 1, 2 ...)");
        res = await C.computeRound(game, $("scheme").value, server, client, nonce, params);
      }
      const kv = el("dl", { class: "kv" },
        el("dt", { text: "Outcome" }), el("dd", {}, el("code", { id: "round-result", text: show(res.result) })),
        el("dt", { text: "Multiplier" }), el("dd", {}, el("code", { id: "round-multiplier", text: res.multiplierText })),
        el("dt", { text: "Play" }), el("dd", { text: res.notes.join("; ") }));
      out.replaceChildren(kv, traceTable(res.trace) || "");
    } catch (e) {
      if (!(e instanceof C.Bad)) console.warn(e);
      errorBox(out, e.message);
    }
  });

  $("commit-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = $("commit-out");
    try {
      const r = await C.checkCommitment($("commit-seed").value, $("commit-hash").value);
      out.replaceChildren(el("p", { id: "commit-verdict", class: "verdict " + (r.ok ? "ok" : "bad") }, r.ok ? "Match: this seed is the one committed to." : "Mismatch: SHA-256 of this seed is ", r.ok ? "" : el("code", { text: r.actual })));
    } catch (e) {
      errorBox(out, e.message);
    }
  });

  function diffText(d) { return `${d.field}: recorded ${show(d.recorded)}, recomputed ${show(d.expected)}`; }

  async function verifyText(text) {
    const out = $("records-out");
    if (typeof text === "string" ? !text.trim() : !text.length) { errorBox(out, "paste a record or pick an export file"); return; }
    const r = await C.verifyExport(text, { catalog });
    const s = r.summary;
    const summary = el("p", { id: "records-summary", class: "verdict " + (s.mismatched || s.malformed || s.findings ? "bad" : "ok") },
      `${s.total} lines: ${s.matched} match, ${s.mismatched} mismatch, ${s.malformed} malformed` + (s.findings ? `; ${s.findings} across lines` : ""));
    const head = el("tr", {}, el("th", { text: "line" }), el("th", { text: "kind / game" }), el("th", { text: "verdict" }), el("th", { text: "details" }));
    // A long export lists every line that is not a match, and the first matching ones.
    const MAX_ROWS = 2000;
    let shownMatches = 0;
    const listed = r.checks.length <= MAX_ROWS ? r.checks : r.checks.filter((c) => c.status !== "match" || shownMatches++ < 200);
    const rows = listed.map((c) => el("tr", { class: c.status, "data-line": String(c.line), "data-status": c.status },
      el("td", { text: String(c.line) }),
      el("td", { text: c.kind === "reveal" ? "seed reveal" : c.kind === "void" ? `${c.game} (void: no move)` : (c.game || "") }),
      el("td", { class: c.status, text: c.status }),
      el("td", {}, c.error ? el("span", { text: c.error }) : c.differences.length ? el("ul", {}, ...c.differences.map((d) => el("li", { text: diffText(d) }))) : el("span", { text: c.multiplier ? `multiplier ${c.multiplier}` : "ok" }))));
    const hidden = r.checks.length - listed.length;
    out.replaceChildren(summary, el("div", { class: "table-wrap" }, el("table", { id: "records-table" }, el("thead", {}, head), el("tbody", {}, ...rows))),
      hidden ? el("p", { class: "hint", text: `${hidden} more matching lines not listed.` }) : "");
    const findingsShown = r.findings.slice(0, MAX_ROWS);
    if (r.findings.length) {
      out.append(el("h3", { text: "Across the lines" }), el("p", { class: "hint", text: "Nonces in order per seed pair, each reveal line against its rounds (a missing tail), no bet after its seed was revealed, and each player's hash chain." }),
        el("ul", { id: "records-findings" }, ...findingsShown.map((f) => el("li", { class: "bad", "data-kind": f.kind, text: `line ${f.line}: ${f.kind}: ${f.detail}` }))));
    }
    const only = r.checks.length === 1 ? r.checks[0] : null;
    if (only && only.result) { // one record: show the recomputed round and its draws too
      out.append(el("dl", { class: "kv" },
        el("dt", { text: "Recomputed outcome" }), el("dd", {}, el("code", { id: "record-result", text: show(only.result) })),
        el("dt", { text: "Multiplier" }), el("dd", {}, el("code", { text: only.multiplier === null ? "(needs a target)" : only.multiplier }))));
      const trace = traceTable(only.trace);
      if (trace) { trace.querySelector("table").id = "record-trace"; out.append(trace); }
    }
  }

  $("records-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { await verifyText($("records-text").value); } catch (e) { errorBox($("records-out"), e.message); }
  });
  $("records-file").addEventListener("change", async () => {
    const file = $("records-file").files[0];
    if (!file) return;
    try {
      if (file.size > 64 * 1024 * 1024) throw new C.Bad("the file is over 64 MiB; split it");
      await verifyText(new Uint8Array(await file.arrayBuffer()));  // each line strict UTF-8
    } catch (e) { errorBox($("records-out"), e.message); }
  });
})();
