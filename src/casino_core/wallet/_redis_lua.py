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
-- KEYS: 1 idempotency record, 2 account, 3 counter account ('' for system), 4 account
--       history, 5 counter history or system journal, 6 sequence, 7 transaction count
-- ARGV: 1 fingerprint, 2 kind ('credit', 'debit', 'transfer', or 'reset': then 3 is the
--       target balance and the move is whatever credit or debit reaches it), 3 amount,
--       4 tx id, 5 micros, 6 ttl seconds, 7 counterparty, 8 player id, 9 idempotency key,
--       10 max, 11 system name
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
local transfer = KEYS[3] ~= ''
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
  local mk, ma = {}, {}
  for i = 3, 9 do mk[#mk + 1] = KEYS[i] end
  for i = 5, 15 do ma[#ma + 1] = ARGV[i] end
  move(mk, ma)
end
return redis.call('HMGET', KEYS[1], 'bal', 'ver', 'floor')
"""
)
"""Open an account (idempotent) and grant the starting balance once, in one script."""
