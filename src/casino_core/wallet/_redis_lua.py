"""Lua scripts of the Redis demo wallet (one script per operation, atomic by construction).

Amounts are decimal strings all the way: Lua numbers are doubles, exact only to 2^53, so the
scripts add and compare signed decimal strings digit by digit (amounts have at most 37
digits). Every check runs before the first write, so a refused operation writes nothing but
its idempotency record.
"""

BIGNUM = r"""
local function cmp_abs(a, b)
  if #a ~= #b then if #a < #b then return -1 else return 1 end end
  if a == b then return 0 end
  if a < b then return -1 else return 1 end
end
local function add_abs(a, b)
  local out, carry, i, j = {}, 0, #a, #b
  while i > 0 or j > 0 or carry > 0 do
    local s = carry
    if i > 0 then s = s + string.byte(a, i) - 48 end
    if j > 0 then s = s + string.byte(b, j) - 48 end
    out[#out + 1] = string.char(48 + s % 10)
    carry = math.floor(s / 10)
    i = i - 1
    j = j - 1
  end
  return string.reverse(table.concat(out))
end
local function sub_abs(a, b)
  local out, borrow, i, j = {}, 0, #a, #b
  while i > 0 do
    local d = string.byte(a, i) - 48 - borrow
    if j > 0 then d = d - (string.byte(b, j) - 48) end
    if d < 0 then d = d + 10; borrow = 1 else borrow = 0 end
    out[#out + 1] = string.char(48 + d)
    i = i - 1
    j = j - 1
  end
  local s = string.gsub(string.reverse(table.concat(out)), "^0+", "")
  if s == "" then return "0" end
  return s
end
local function split(x)
  if string.sub(x, 1, 1) == "-" then return -1, string.sub(x, 2) end
  return 1, x
end
local function signed(sign, mag)
  if sign < 0 and mag ~= "0" then return "-" .. mag end
  return mag
end
local function add(x, y)
  local sx, ax = split(x)
  local sy, ay = split(y)
  if sx == sy then return signed(sx, add_abs(ax, ay)) end
  local c = cmp_abs(ax, ay)
  if c == 0 then return "0" end
  if c > 0 then return signed(sx, sub_abs(ax, ay)) end
  return signed(sy, sub_abs(ay, ax))
end
local function neg(x)
  local s, a = split(x)
  return signed(-s, a)
end
local function cmp(x, y)
  local sx, ax = split(x)
  local sy, ay = split(y)
  if sx ~= sy then if sx < sy then return -1 else return 1 end end
  local c = cmp_abs(ax, ay)
  if sx > 0 then return c end
  return -c
end
"""

MOVE_FN = (
    BIGNUM
    + r"""
-- KEYS: 1 idempotency record, 2 account, 3 counter account (for a system counterparty an
--       unused key of the same slot, never read or written: a cluster routes by KEYS), 4 account
--       history, 5 counter history or system journal, 6 sequence, 7 transaction count
-- ARGV: 1 fingerprint, 2 kind ('credit', 'debit', 'transfer', or 'reset': then 3 is the
--       target balance and the move is whatever credit or debit reaches it), 3 amount,
--       4 tx id, 5 micros, 6 ttl seconds, 7 counterparty, 8 player id, 9 idempotency key,
--       10 max, 11 system name ('' for a transfer)
-- Returns {status, state, code, bal, ver, cbal, cver, tx, at, kind, amount}.
local function move(KEYS, ARGV)
local rec = KEYS[1]
local known = redis.call('HMGET', rec, 'fp', 'st', 'code', 'bal', 'ver', 'cbal', 'cver', 'tx',
  'at', 'kind', 'amt')
if known[1] then
  if known[1] ~= ARGV[1] then return {'conflict'} end
  local out = {'replay'}
  for i = 2, 11 do out[i] = known[i] or '' end
  return out
end
local ttl = tonumber(ARGV[6])
local function refuse(code)
  redis.call('HSET', rec, 'fp', ARGV[1], 'st', 'refused', 'code', code)
  redis.call('EXPIRE', rec, ttl)
  return {'refused', code}
end
local kind, amount = ARGV[2], ARGV[3]
local transfer = ARGV[11] == ''
if redis.call('EXISTS', KEYS[2]) == 0 then return refuse('ACCOUNT_NOT_FOUND') end
if transfer and redis.call('EXISTS', KEYS[3]) == 0 then return refuse('ACCOUNT_NOT_FOUND') end
local acct = redis.call('HMGET', KEYS[2], 'bal', 'ver', 'floor')
if kind == 'reset' then
  local diff = add(ARGV[3], neg(acct[1]))
  if diff == '0' then
    redis.call('HSET', rec, 'fp', ARGV[1], 'st', 'noop')
    redis.call('EXPIRE', rec, ttl)
    return {'ok', 'noop'}
  end
  if string.sub(diff, 1, 1) == '-' then kind, amount = 'debit', neg(diff)
  else kind, amount = 'credit', diff end
end
local delta = amount
if kind ~= 'credit' then delta = neg(amount) end
local bal = add(acct[1], delta)
if cmp(bal, acct[3]) < 0 then return refuse('INSUFFICIENT_FUNDS') end
if cmp(bal, ARGV[10]) > 0 then return refuse('LIMIT_EXCEEDED') end
local cbal, cver = '', ''
if transfer then
  local c = redis.call('HMGET', KEYS[3], 'bal', 'ver')
  cbal = add(c[1], amount)
  if cmp(cbal, ARGV[10]) > 0 then return refuse('LIMIT_EXCEEDED') end
  cver = tostring(tonumber(c[2]) + 1)
end
local ver = tostring(tonumber(acct[2]) + 1)
redis.call('HSET', KEYS[2], 'bal', bal, 'ver', ver)
local seq = redis.call('INCR', KEYS[6])
redis.call('INCR', KEYS[7])
redis.call('LPUSH', KEYS[4], cjson.encode({s = tostring(seq), t = ARGV[4], k = ARGV[9],
  kind = kind, amt = delta, bal = bal, cp = ARGV[7], at = ARGV[5]}))
if transfer then
  redis.call('HSET', KEYS[3], 'bal', cbal, 'ver', cver)
  local seq2 = redis.call('INCR', KEYS[6])
  redis.call('LPUSH', KEYS[5], cjson.encode({s = tostring(seq2), t = ARGV[4], k = ARGV[9],
    kind = kind, amt = amount, bal = cbal, cp = ARGV[8], at = ARGV[5]}))
else
  redis.call('LPUSH', KEYS[5], cjson.encode({t = ARGV[4], amt = neg(delta), sys = ARGV[11]}))
end
redis.call('HSET', rec, 'fp', ARGV[1], 'st', 'accepted', 'bal', bal, 'ver', ver,
  'cbal', cbal, 'cver', cver, 'tx', ARGV[4], 'at', ARGV[5], 'kind', kind, 'amt', amount)
redis.call('EXPIRE', rec, ttl)
return {'ok', 'accepted', '', bal, ver, cbal, cver, ARGV[4], ARGV[5], kind, amount}
end
-- move() inside a larger script, on its KEYS[k .. k + 6] and ARGV[a .. a + 10].
local function move_at(k, a)
  local mk, ma = {}, {}
  for i = 0, 6 do mk[i + 1] = KEYS[k + i] end
  for i = 0, 10 do ma[i + 1] = ARGV[a + i] end
  return move(mk, ma)
end
"""
)

MOVE = MOVE_FN + "\nreturn move(KEYS, ARGV)\n"
"""One credit, debit or transfer."""

OPEN = (
    MOVE_FN
    + r"""
-- KEYS: 1 account, 2 account set, 3-9 the keys of move() for the starting grant
-- ARGV: 1 floor, 2 member, 3 decimals, 4 grant ('0' for none), 5-15 the arguments of move()
-- The grant happens only when this call creates the account (not on later opens, whatever
-- became of the grant's idempotency record, which expires).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HMGET', KEYS[1], 'bal', 'ver', 'floor')
end
redis.call('HSET', KEYS[1], 'bal', '0', 'ver', '0', 'floor', ARGV[1], 'dec', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
if ARGV[4] ~= '0' then
  move_at(3, 5)
end
return redis.call('HMGET', KEYS[1], 'bal', 'ver', 'floor')
"""
)
"""Open an account (idempotent) and grant the starting balance once, in one script."""

HOUSE_SUM_FN = r"""
-- A member of a player's time index (the back-office lookups): the microseconds as 20
-- digits, then the id, so that the lexicographic order (ZRANGEBYLEX) is (time, id).
local function timeline_member(micros, id)
  return string.rep('0', 20 - #micros) .. micros .. '|' .. id
end
-- The house's result so far and the cache update (or nil): the sum of its journal, which
-- only grows at the head, so a cache of (entries summed, sum) is brought up to date by the
-- new entries alone (CASINO_PLAY and CRASH_BET share the cache).
local function house_sum(journal, cache)
  local n = redis.call('LLEN', journal)
  local c = redis.call('HMGET', cache, 'n', 'sum')
  local seen, sum = tonumber(c[1] or '0'), c[2] or '0'
  if n <= seen then return sum, nil end
  for _, item in ipairs(redis.call('LRANGE', journal, 0, n - seen - 1)) do
    sum = add(sum, cjson.decode(item).amt)
  end
  return sum, {n, sum}
end
"""

# -- the Redis casino store (casino_core.casino.redis) ------------------------------------
# A round is one script: the Python side resolves the round for the nonce it read, and the
# script commits it only if that nonce is still the player's next one (else it answers
# 'retry' and writes nothing). Every check runs before the first write; the money moves
# through move() above (the wallet's own postings), whose checks then cannot fail.

CHAIN_FN = r"""
-- The hash chain (casino_core.chain): ARGV[#ARGV] is '' (no chain) or JSON
-- {"h": [[seq read, new seq, new hash], ...] for the last #h KEYS (the players' chain
-- heads, hashes 'seq' and 'hash'), "p": [their player ids] (added at their first link to
-- the set of chained players, the key before them), "r": [seq, prev, hash] (a round's
-- link), "b": [[seq, prev, hash] or [], ...] (per crash bet)}. chain_ok() runs before the
-- first write: a head that moved since it was read answers 'retry'.
local function chain_plan()
  local text = ARGV[#ARGV]
  if text == '' then return nil end
  return cjson.decode(text)
end
local function chain_ok(plan)
  if not plan then return true end
  local m = #plan.h
  for i = 1, m do
    if (redis.call('HGET', KEYS[#KEYS - m + i], 'seq') or '0') ~= plan.h[i][1] then
      return false
    end
  end
  return true
end
local function chain_write(plan)
  if not plan then return end
  local m = #plan.h
  for i = 1, m do
    redis.call('HSET', KEYS[#KEYS - m + i], 'seq', plan.h[i][2], 'hash', plan.h[i][3])
    if plan.h[i][1] == '0' then redis.call('SADD', KEYS[#KEYS - m], plan.p[i]) end
  end
end
local function link_fields(fields, link)
  if link and #link == 3 then
    fields[#fields + 1] = 'chain_seq'
    fields[#fields + 1] = link[1]
    fields[#fields + 1] = 'chain_prev'
    fields[#fields + 1] = link[2]
    fields[#fields + 1] = 'chain_hash'
    fields[#fields + 1] = link[3]
  end
end
"""
"""The hash chain's heads in the casino scripts (the chain itself is computed in Python)."""

CASINO_PLAY = (
    MOVE_FN
    + HOUSE_SUM_FN
    + CHAIN_FN
    + r"""
-- KEYS: 1 round key record, 2 active seed pair, 3 round hash, 4 player's round list,
--       5 player set, 6 open rounds (sorted set), 7 house journal, 8 house sum cache,
--       9 the player's rounds by time (sorted set, members '<micros, 20 digits>|<id>'),
--       10-16 the keys of move() for the stake debit, 17-23 for the payout credit (if any)
-- ARGV: 1 fingerprint, 2 pair no, 3 nonce, 4 stake, 5 payout, 6 max, 7 bankroll ('' for
--       none), 8 largest net win, 9 ttl, 10 round id, 11 player id, 12 multi-step ('1'/'0'),
--       13 micros, 14-24 the arguments of move() for the debit, 25-35 for the credit,
--       36... round field, value, field, value ..., then the chain plan (CHAIN_FN; its
--       head key is the last KEYS)
-- Returns {'ok', balance after} or {'replay', round id}, {'conflict'}, {'wallet_key', key},
-- {'refused', code}, or {'retry', field, value ...} with the pair as it is now (none if the
-- player has no pair) and, with a chain, its head ('~seq', '~hash'), so that the caller
-- can resolve again without reading them.
local rec = KEYS[1]
local known = redis.call('HMGET', rec, 'fp', 'rid')
if known[1] then
  if known[1] ~= ARGV[1] then return {'conflict'} end
  return {'replay', known[2]}
end
local pair = redis.call('HMGET', KEYS[2], 'no', 'nonce')
local chain = chain_plan()
if pair[1] ~= ARGV[2] or pair[2] ~= ARGV[3] or not chain_ok(chain) then
  local now = redis.call('HGETALL', KEYS[2])
  table.insert(now, 1, 'retry')
  if chain and #now > 1 then  -- the head too, so that one retry has all it needs
    local h = redis.call('HMGET', KEYS[#KEYS], 'seq', 'hash')
    for _, v in ipairs({'~seq', h[1] or '0', '~hash', h[2] or string.rep('0', 64)}) do
      now[#now + 1] = v
    end
  end
  return now
end
local paying = ARGV[5] ~= '0'
if redis.call('EXISTS', KEYS[10]) == 1 then return {'wallet_key', ARGV[22]} end
if paying and redis.call('EXISTS', KEYS[17]) == 1 then return {'wallet_key', ARGV[33]} end
local acct = redis.call('HMGET', KEYS[11], 'bal', 'floor')
if not acct[1] then return {'refused', 'ACCOUNT_NOT_FOUND'} end
local after = add(acct[1], neg(ARGV[4]))
if cmp(after, acct[2]) < 0 then return {'refused', 'INSUFFICIENT_FUNDS'} end
local house = nil
if ARGV[7] ~= '' then
  -- (The cache is written with the round, so a refused round writes nothing.)
  local sum
  sum, house = house_sum(KEYS[7], KEYS[8])
  if cmp(ARGV[8], add(ARGV[7], sum)) > 0 then return {'refused', 'BANKROLL'} end
end
if cmp(add(after, ARGV[5]), ARGV[6]) > 0 then return {'refused', 'LIMIT_EXCEEDED'} end
if house then redis.call('HSET', KEYS[8], 'n', house[1], 'sum', house[2]) end
local out = move_at(10, 14)
if paying then out = move_at(17, 25) end
local bal = out[4]
local fields = {'balance_after', bal}
for i = 36, #ARGV - 1 do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[3], unpack(fields))
chain_write(chain)
redis.call('HSET', rec, 'fp', ARGV[1], 'rid', ARGV[10])
redis.call('EXPIRE', rec, tonumber(ARGV[9]))
redis.call('HINCRBY', KEYS[2], 'nonce', 1)
redis.call('RPUSH', KEYS[4], ARGV[10])
redis.call('ZADD', KEYS[9], 0, timeline_member(ARGV[13], ARGV[10]))
redis.call('SADD', KEYS[5], ARGV[11])
if ARGV[12] == '1' then
  redis.call('HINCRBY', KEYS[2], 'open', 1)
  redis.call('ZADD', KEYS[6], ARGV[13], ARGV[10])
end
return {'ok', bal}
"""
)
"""Play one round: replay check, nonce check, stake, payout, round record, nonce + 1."""

CASINO_ACT = (
    MOVE_FN
    + CHAIN_FN
    + r"""
-- KEYS: 1 round hash, 2 active seed pair, 3 open rounds, 4 account, 5-11 the keys of move()
--       for the payout credit (if any)
-- ARGV: 1 round version read, 2 status, 3 actions, 4 result, 5 multiplier, 6 payout,
--       7 micros, 8 max, 9 round id, 10 pair no, 11-21 the arguments of move() (if paying),
--       then the chain plan (CHAIN_FN; its head key is the last KEYS)
-- Returns {'ok', balance after} or {'retry'}, {'wallet_key', key}, {'refused', code}.
local cur = redis.call('HMGET', KEYS[1], 'ver', 'balance_after')
if cur[1] ~= ARGV[1] then return {'retry'} end
local chain = chain_plan()
if not chain_ok(chain) then return {'retry'} end
local bal = cur[2]
if ARGV[6] ~= '0' then
  if redis.call('EXISTS', KEYS[5]) == 1 then return {'wallet_key', ARGV[19]} end
  local acct = redis.call('HGET', KEYS[4], 'bal')
  if not acct then return {'refused', 'ACCOUNT_NOT_FOUND'} end
  if cmp(add(acct, ARGV[6]), ARGV[8]) > 0 then return {'refused', 'LIMIT_EXCEEDED'} end
  bal = move_at(5, 11)[4]
elseif ARGV[2] ~= 'playing' then
  bal = redis.call('HGET', KEYS[4], 'bal') or bal
end
local fields = {'actions', ARGV[3], 'status', ARGV[2], 'result', ARGV[4],
  'multiplier', ARGV[5], 'payout', ARGV[6], 'balance_after', bal, 'updated_us', ARGV[7],
  'ver', tostring(tonumber(ARGV[1]) + 1)}
if chain then link_fields(fields, chain.r) end
redis.call('HSET', KEYS[1], unpack(fields))
chain_write(chain)
if ARGV[2] == 'playing' then
  redis.call('ZADD', KEYS[3], ARGV[7], ARGV[9])
else
  redis.call('ZREM', KEYS[3], ARGV[9])
  if redis.call('HGET', KEYS[2], 'no') == ARGV[10] then
    redis.call('HINCRBY', KEYS[2], 'open', -1)
  end
end
return {'ok', bal}
"""
)
"""Apply one action to a multi-step round if nobody moved it since it was read."""

CASINO_ROTATE = r"""
-- KEYS: 1 active seed pair, 2 the player's revealed seeds
-- ARGV: 1 pair no, 2 nonce, 3 revealed seed, 4 micros, 5... the new pair's field, value ...
-- Returns {'ok'}, {'retry'} (the pair moved since it was read) or {'busy'} (a round open).
local p = redis.call('HMGET', KEYS[1], 'no', 'nonce', 'open', 'hash', 'client', 'scheme')
if p[1] ~= ARGV[1] or p[2] ~= ARGV[2] then return {'retry'} end
if tonumber(p[3] or '0') > 0 then return {'busy'} end
local n = ARGV[1] .. ':'
redis.call('HSET', KEYS[2], n .. 'seed', ARGV[3], n .. 'at', ARGV[4], n .. 'hash', p[4],
  n .. 'client', p[5], n .. 'scheme', p[6], n .. 'nonce', p[2])
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
return {'ok'}
"""
"""Reveal the active seed pair and activate its successor (nonce 0)."""

CASINO_PAIR = r"""
-- KEYS: 1 active seed pair; ARGV: its field, value ... (used only if the player has none)
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
"""
"""The player's active seed pair, created from ARGV if there is none."""

# -- crash tables on the Redis casino store (casino_core.casino.crash._redis) --------------
# One script per call that changes a table. Keys: the table hash ('n' chains, 'cur' the
# unsettled round), one hash per chain, per round (with 'ver', bumped by the start and the
# settlement, and 'co', bumped by each cash-out), per bet; a round's bet list and exposure
# hash; the bets' idempotency records (expiring after the wallet's key_ttl). A caller that
# computed something from what it read passes what it read, and the script answers 'retry'
# (writing nothing) if that changed meanwhile.

CRASH_CHAIN = r"""
-- KEYS: 1 table hash, 2 the new chain's hash
-- ARGV: 1 the number of chains the caller saw, 2... the new chain's field, value ...
-- Returns {'ok'}, {'retry'} (a chain was added meanwhile) or {'busy'} (a round unsettled).
local t = redis.call('HMGET', KEYS[1], 'n', 'cur')
if t[2] then return {'busy'} end
if (t[1] or '0') ~= ARGV[1] then return {'retry'} end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('HSET', KEYS[1], 'n', tostring(tonumber(ARGV[1]) + 1))
return {'ok'}
"""
"""Store a table's new chain as its active one unless a round is unsettled."""

CRASH_SALT = r"""
-- KEYS: 1 table hash, 2 the active chain's hash; ARGV: 1 chains the caller saw, 2 salt
-- Returns {'ok', field, value ...} (the chain now), {'retry'} or {'fixed'}.
if redis.call('HGET', KEYS[1], 'n') ~= ARGV[1] then return {'retry'} end
local c = redis.call('HMGET', KEYS[2], 'salt', 'games_used')
if c[1] ~= ARGV[2] then
  if c[1] or c[2] ~= '0' then return {'fixed'} end
  redis.call('HSET', KEYS[2], 'salt', ARGV[2])
end
local out = redis.call('HGETALL', KEYS[2])
table.insert(out, 1, 'ok')
return out
"""
"""Fix the active chain's salt once, before its first game."""

CRASH_OPEN = r"""
-- KEYS: 1 table hash, 2 the active chain's hash, 3 the new round's hash
-- ARGV: 1 chains the caller saw, 2 round id, 3 micros, 4 operator id, 5 table id
-- Returns {'ok', field, value ...} (the new round), {'current', round id}, {'retry'},
-- {'nochain'}, {'nosalt'} or {'used'}.
local t = redis.call('HMGET', KEYS[1], 'n', 'cur')
if t[2] then return {'current', t[2]} end
if not t[1] then return {'nochain'} end
if t[1] ~= ARGV[1] then return {'retry'} end
local c = redis.call('HMGET', KEYS[2], 'salt', 'games_used', 'length', 'chain_no',
  'terminal_hash', 'crash_scheme', 'house_edge', 'max_target', 'curve_rate')
if not c[1] then return {'nosalt'} end
local game = tonumber(c[2]) + 1
if game > tonumber(c[3]) then return {'used'} end
redis.call('HSET', KEYS[2], 'games_used', tostring(game))
redis.call('HSET', KEYS[3], 'round_id', ARGV[2], 'operator_id', ARGV[4], 'table_id', ARGV[5],
  'chain_no', c[4], 'game', tostring(game), 'terminal_hash', c[5], 'salt', c[1],
  'crash_scheme', c[6], 'house_edge', c[7], 'max_target', c[8], 'curve_rate', c[9] or '',
  'status', 'open', 'created_us', ARGV[3], 'ver', '0', 'co', '0')
redis.call('HSET', KEYS[1], 'cur', ARGV[2])
local out = redis.call('HGETALL', KEYS[3])
table.insert(out, 1, 'ok')
return out
"""
"""The table's unsettled round, or a new one on the active chain's next game."""

CRASH_BET = (
    MOVE_FN
    + HOUSE_SUM_FN
    + r"""
-- KEYS: 1 bet key record, 2 round hash, 3 round's bet list, 4 round's exposure hash, 5 bet
--       hash, 6 house journal, 7 house sum cache, 8-14 the keys of move() for the stake,
--       15 the player's bets by time (sorted set, members '<micros, 20 digits>|<bet id>')
-- ARGV: 1 fingerprint, 2 bet id, 3 stake, 4 largest payout, 5 bankroll ('' for none),
--       6 currency, 7 ttl, 8-18 the arguments of move() for the stake, 19 the round's cap on
--       bets ('' for none), 20... the bet's field, value ...
-- Returns {'ok', balance after}, {'replay', bet id}, {'conflict'}, {'noround'}, {'closed'},
-- {'full'}, {'wallet_key', key} or {'refused', code}. Every check runs before the first write.
local known = redis.call('HMGET', KEYS[1], 'fp', 'bid')
if known[1] then
  if known[1] ~= ARGV[1] then return {'conflict'} end
  return {'replay', known[2]}
end
local status = redis.call('HGET', KEYS[2], 'status')
if not status then return {'noround'} end
if status ~= 'open' then return {'closed'} end
if ARGV[19] ~= '' and redis.call('LLEN', KEYS[3]) >= tonumber(ARGV[19]) then return {'full'} end
if redis.call('EXISTS', KEYS[8]) == 1 then return {'wallet_key', ARGV[16]} end
local acct = redis.call('HMGET', KEYS[9], 'bal', 'floor')
if not acct[1] then return {'refused', 'ACCOUNT_NOT_FOUND'} end
if cmp(add(acct[1], neg(ARGV[3])), acct[2]) < 0 then return {'refused', 'INSUFFICIENT_FUNDS'} end
local exposure = add(redis.call('HGET', KEYS[4], ARGV[6]) or '0', ARGV[4])
local house = nil
if ARGV[5] ~= '' then
  local sum
  sum, house = house_sum(KEYS[6], KEYS[7])
  if cmp(exposure, add(add(ARGV[5], sum), ARGV[3])) > 0 then return {'refused', 'BANKROLL'} end
end
if house then redis.call('HSET', KEYS[7], 'n', house[1], 'sum', house[2]) end
local bal = move_at(8, 8)[4]
local fields = {'balance_after', bal}
for i = 20, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[5], unpack(fields))
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[15], 0, timeline_member(ARGV[12], ARGV[2]))
redis.call('HSET', KEYS[4], ARGV[6], exposure)
redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'bid', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
return {'ok', bal}
"""
)
"""Place a crash bet while its round is open: stake debit, bet, idempotency record."""

CRASH_START = r"""
-- KEYS: 1 round hash; ARGV: 1 crash point, 2 micros
-- Returns the round's field, value ... (running now if it was open; none if no round).
if redis.call('HGET', KEYS[1], 'status') == 'open' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'crash_point', ARGV[1], 'started_us', ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'ver', 1)
end
return redis.call('HGETALL', KEYS[1])
"""
"""Start an open round with its crash point (any other round is returned as it is)."""

CRASH_CASH = r"""
-- KEYS: 1 round hash, 2 bet hash; ARGV: 1 the round version read, 2 cash-out
-- Returns {'ok'}, {'done', cash-out} (the bet was cashed out meanwhile) or {'retry'}.
if redis.call('HGET', KEYS[1], 'ver') ~= ARGV[1] then return {'retry'} end
local at = redis.call('HGET', KEYS[2], 'cashed_out_at')
if at then return {'done', at} end
redis.call('HSET', KEYS[2], 'cashed_out_at', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'co', 1)
return {'ok'}
"""
"""Record a cash-out computed from the round as read, if the round did not change."""

CRASH_SETTLE = (
    MOVE_FN
    + CHAIN_FN
    + r"""
-- KEYS: 1 round hash, 2 table hash, 3 settled rounds list, 4..3+n the bets' hashes, then
--       the keys of move() (7 each) of every paying bet, in bet order
-- ARGV: 1 round version read, 2 cash-outs read, 3 game hash, 4 micros, 5 max, 6 round id,
--       7 n, then per bet its multiplier and payout, then the arguments of move() (11 each)
--       of every paying bet, then the chain plan (CHAIN_FN; its head keys are the last KEYS)
-- Returns {'ok', balance after each paying bet's credit ...}, {'retry'} (the round or a chain
-- head moved since it was read), {'wallet_key', key} or {'refused', code}. Every check runs
-- before the first write.
local r = redis.call('HMGET', KEYS[1], 'ver', 'co', 'status')
if r[1] ~= ARGV[1] or r[2] ~= ARGV[2] or r[3] ~= 'running' then return {'retry'} end
local chain = chain_plan()
if not chain_ok(chain) then return {'retry'} end
local n = tonumber(ARGV[7])
local bals, seen, j = {}, {}, 0
for i = 1, n do
  local payout = ARGV[7 + 2 * i]
  if payout ~= '0' then
    local kb, ab = 3 + n + 7 * j, 7 + 2 * n + 11 * j
    local rec, acct = KEYS[kb + 1], KEYS[kb + 2]
    if seen[rec] or redis.call('EXISTS', rec) == 1 then return {'wallet_key', ARGV[ab + 9]} end
    seen[rec] = true
    local bal = bals[acct] or redis.call('HGET', acct, 'bal')
    if not bal then return {'refused', 'ACCOUNT_NOT_FOUND'} end
    bal = add(bal, payout)
    if cmp(bal, ARGV[5]) > 0 then return {'refused', 'LIMIT_EXCEEDED'} end
    bals[acct] = bal
    j = j + 1
  end
end
j = 0
local out = {'ok'}
for i = 1, n do
  local payout = ARGV[7 + 2 * i]
  local fields = {'status', 'settled', 'multiplier', ARGV[6 + 2 * i], 'payout', payout,
    'settled_us', ARGV[4]}
  if payout ~= '0' then
    local kb, ab = 3 + n + 7 * j, 7 + 2 * n + 11 * j
    local bal = move_at(kb + 1, ab + 1)[4]
    fields[#fields + 1] = 'balance_after'
    fields[#fields + 1] = bal
    out[#out + 1] = bal
    j = j + 1
  end
  if chain then link_fields(fields, chain.b[i]) end
  redis.call('HSET', KEYS[3 + i], unpack(fields))
end
chain_write(chain)
redis.call('HSET', KEYS[1], 'status', 'settled', 'game_hash', ARGV[3], 'settled_us', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'ver', 1)
redis.call('HDEL', KEYS[2], 'cur')
redis.call('RPUSH', KEYS[3], ARGV[6])
return out
"""
)
"""Settle every bet of a running round once (payout credits) and reveal its game hash."""
