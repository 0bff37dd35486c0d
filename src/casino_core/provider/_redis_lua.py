"""The Lua script of a Redis provider callback: the whole call in one script.

:func:`~casino_core.provider._decide.decide` ported to Lua (same rules, same order; a
property test drives random call sequences through both and compares every answer and
balance), with the wallet's own ``move()`` (casino_core.wallet._redis_lua) for the money. One
script call per callback: the idempotency lookup, the decision, the wallet movement(s), the
transaction record(s), the round, the chain link(s) and the answer.

The provider chain is SHA-256, which Redis Lua cannot compute: as before, Python computes the
links, here before the call, after the head it last saw for the player (a per-process
cache; genesis for a player it has not seen). The script writes them only if the head is
still the one they follow, else it answers ``retry`` with the current head and writes
nothing. A line's body depends on the call alone (not on the decision), so the links are
known in advance: the call's own record first, then (a rollback of an unknown bet) the
tombstone.

A rollback's refund is the bet's amount, whose wallet fingerprint (SHA-256 again) Python
computes from the bet record it read first: the script checks the bet still says that
amount, else answers ``retry``.
"""

from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet._redis_lua import MOVE_FN

__all__ = ["PROVIDER_CALL"]

PROVIDER_CALL = (
    MOVE_FN
    + r"""
-- KEYS: 1 the call's record (or any key of the slot when it has no tx id), 2 the referenced
--       record (or any key), 3 the round, 4 the account, 5 the chain head, 6 the operator's
--       provider lines, 7 the operator's chain ids, 8 the account's history, 9 the house's
--       journal, 10 the wallet's sequence, 11 its transaction count, 12 the debit's
--       idempotency record, 13 the credit's (any key of the slot when there is none)
-- ARGV: 1 a JSON array A of strings (fewer arguments to send: each costs the client as
--       much as a short command), 2 A[16], 3 A[19] (the lines, sent as they are).
-- A: 1 op, 2 call fingerprint, 3 player, 4 round id, 5 tx id, 6 ref ('' none),
--       7 amount, 8 win, 9 multiple wins '1'/'0', 10 session valid, 11 blocked,
--       12 record ttl, 13 currency code, 14 currency decimals, 15 head seq the links follow,
--       16 line of the call's record, 17 its seq, 18 its hash, 19 line of a tombstone,
--       20 its seq, 21 its hash, 22 chain id, 23 refund the rollback expects ('' none),
--       24 micros, 25 wallet ttl, 26-29 the debit's amount, fingerprint, wallet
--       transaction id, idempotency key, 30-33 the credit's, 34 the account's part of a
--       fingerprint (ProviderCall.account_part: player, currency, mode)
-- Returns {'a', answer JSON, replayed '1'/'0', new head seq, new head hash} (the head ''
-- when no link was written) or {'retry', head seq, head hash} (nothing written).
local A = cjson.decode(ARGV[1])
A[16], A[19] = ARGV[2], ARGV[3]
local op, fp, player, round_id = A[1], A[2], A[3], A[4]
local tx, ref, amount, win = A[5], A[6], A[7], A[8]
local ttl = tonumber(A[12])
local MAX = '"""
    + str(MAX_MINOR_UNITS)
    + r"""'
local null = cjson.null
local function is_bet(kind) return kind == 'bet' or kind == 'bet_and_win' end
-- ProviderCall.owns: the record (not a tombstone) was a call on this call's account
local function owns(doc)
  local pre = '["' .. doc.k .. '"' .. A[34]
  return string.sub(doc.fp, 1, #pre) == pre
end
local function answer(outcome, balance)
  local t = null
  if tx ~= '' then t = tx end
  return {o = outcome, b = balance or null, c = {A[13], tonumber(A[14])}, t = t,
    r = round_id, ref = null}
end
local function reply(ans, seq, hash)
  return {'a', cjson.encode(ans), '0', seq or '', hash or ''}
end
local function record(state, ans)
  local r = null
  if ref ~= '' then r = ref end
  return {id = tx, k = op, r = round_id, p = player, fp = fp, s = state, a = amount, w = win,
    ref = r, ans = ans}
end

local acct = redis.call('HMGET', KEYS[4], 'bal', 'floor')
local bal, floor = acct[1] or nil, acct[2]
local rnd = redis.call('GET', KEYS[3])
local rnd_player, rnd_closed = nil, false
if rnd then
  local doc = cjson.decode(rnd)
  rnd_player, rnd_closed = doc[1], doc[2] == 1
end

-- Write a plan: the call's record (state, answer), the moves ({{'debit'|'credit', amount}}),
-- the referenced record with its new state (nil: unchanged), the tombstone (true/false),
-- the round [closed] (nil: unchanged). Every check runs before the first write (a script
-- that fails half way keeps what it wrote).
local function commit(state, ans, moves, ref_doc, tomb, round_closed)
  for _, m in ipairs(moves) do  -- the moves Python prepared (fingerprints) are these
    local a = 26
    if m[1] == 'credit' then a = 30 end
    if m[2] ~= A[a] then return redis.error_reply('provider move amount mismatch') end
  end
  local head = redis.call('HMGET', KEYS[5], 'seq', 'hash')
  if (head[1] or '0') ~= A[15] then return {'retry', head[1] or '0', head[2] or ''} end
  local reference = nil
  for i, m in ipairs(moves) do
    local a, rec = 26, KEYS[12]
    if m[1] == 'credit' then a, rec = 30, KEYS[13] end
    local out = move({rec, KEYS[4], KEYS[3], KEYS[8], KEYS[9], KEYS[10], KEYS[11]},
      {A[a + 1], m[1], m[2], A[a + 2], A[24], A[25], 'house', player, A[a + 3],
       MAX, 'house'})
    if out[1] ~= 'ok' then
      if i > 1 then  -- the decision checked both against this state: cannot happen
        return redis.error_reply('provider second move refused: ' .. tostring(out[2]))
      end
      -- the wallet refused the first move (nothing moved): the call is refused
      local code = out[2]
      if out[1] == 'replay' or out[1] == 'conflict' then code = 'DUPLICATE_TRANSACTION' end
      state, ans, ref_doc, tomb, round_closed = 'refused', answer(code, bal), nil, false, nil
      break
    end
    reference = out[8]
  end
  if reference then ans.ref = reference end
  -- the answer is encoded once: the record's text ends with it, and the reply is it
  local ans_text = cjson.encode(ans)
  local rec_text = cjson.encode(record(state, nil))
  redis.call('SET', KEYS[1], string.sub(rec_text, 1, -2) .. ',"ans":' .. ans_text .. '}',
    'EX', ttl)
  local seq, hash = A[17], A[18]
  redis.call('RPUSH', KEYS[6], A[16])
  if ref_doc then redis.call('SET', KEYS[2], cjson.encode(ref_doc), 'EX', ttl) end
  if tomb then
    redis.call('SET', KEYS[2], cjson.encode({id = ref, k = 'tombstone', r = round_id,
      p = player, fp = '', s = 'tombstone', a = '0', w = '0', ref = tx, ans = null}), 'EX', ttl)
    redis.call('RPUSH', KEYS[6], A[19])
    seq, hash = A[20], A[21]
  end
  redis.call('HSET', KEYS[5], 'seq', seq, 'hash', hash)
  if A[15] == '0' then redis.call('SADD', KEYS[7], A[22]) end  -- its first link
  if round_closed ~= nil then
    local c = 0
    if round_closed then c = 1 end
    redis.call('SET', KEYS[3], cjson.encode({player, c}), 'EX', ttl)
  end
  return {'a', ans_text, '0', seq, hash}
end
local function refuse(outcome, balance)
  return commit('refused', answer(outcome, balance), {}, nil, false, nil)
end

if op == 'end_round' then
  if not bal then return reply(answer('ACCOUNT_NOT_FOUND', nil)) end
  if rnd and rnd_player ~= player then return reply(answer('ROUND_MISMATCH', bal)) end
  if not (rnd and rnd_closed) then
    redis.call('SET', KEYS[3], cjson.encode({player, 1}), 'EX', ttl)
  end
  return reply(answer('OK', bal))
end

if tx ~= '' then
  local known = redis.call('GET', KEYS[1])
  if known then
    local doc = cjson.decode(known)
    if doc.s == 'tombstone' then
      if is_bet(op) then return reply(answer('BET_ROLLED_BACK', bal)) end
      return reply(answer('DUPLICATE_TRANSACTION', bal))
    end
    if doc.fp ~= fp or doc.ans == null then
      return reply(answer('DUPLICATE_TRANSACTION', bal))
    end
    return {'a', cjson.encode(doc.ans), '1', '', ''}
  end
end
if not bal then return refuse('ACCOUNT_NOT_FOUND', nil) end

local bet = nil
if ref ~= '' then
  local raw = redis.call('GET', KEYS[2])
  if raw then bet = cjson.decode(raw) end
end

if op == 'rollback' then
  if not bet then
    return commit('done', answer('OK', bal), {}, nil, true, nil)
  end
  if bet.s ~= 'tombstone' and not is_bet(bet.k) then return refuse('BET_NOT_FOUND', bal) end
  if bet.p ~= player or (bet.s ~= 'tombstone' and not owns(bet)) then
    return refuse('ROUND_MISMATCH', bal)
  end
  if bet.s == 'tombstone' or bet.s == 'refused' or bet.s == 'rolled_back' then
    return commit('done', answer('OK', bal), {}, nil, false, nil)
  end
  if bet.s == 'won' then return refuse('BET_ALREADY_SETTLED', bal) end
  if bet.a ~= A[23] then return {'retry', '', ''} end  -- not the amount Python read
  local moves = {}
  if bet.a ~= '0' then moves = {{'credit', bet.a}} end
  bet.s = 'rolled_back'
  return commit('done', answer('OK', add(bal, bet.a)), moves, bet, false, nil)
end

if rnd and rnd_player ~= player then return refuse('ROUND_MISMATCH', bal) end

if op == 'win' then
  if not bet or not is_bet(bet.k) or bet.s == 'refused' then
    if bet and bet.s == 'tombstone' then return refuse('BET_ROLLED_BACK', bal) end
    return refuse('BET_NOT_FOUND', bal)
  end
  if bet.r ~= round_id or bet.p ~= player or not owns(bet) then
    return refuse('ROUND_MISMATCH', bal)
  end
  if bet.s == 'rolled_back' then return refuse('BET_ROLLED_BACK', bal) end
  if bet.s == 'won' and A[9] ~= '1' then return refuse('BET_ALREADY_SETTLED', bal) end
  if rnd and rnd_closed then return refuse('ROUND_CLOSED', bal) end
  local after = add(bal, amount)
  if cmp(after, MAX) > 0 then return refuse('LIMIT_EXCEEDED', bal) end
  local moves = {}
  if amount ~= '0' then moves = {{'credit', amount}} end
  local ref_doc = nil
  if bet.s ~= 'won' then
    bet.s = 'won'
    ref_doc = bet
  end
  local closes = nil
  if amount == '0' then closes = true end
  return commit('done', answer('OK', after), moves, ref_doc, false, closes)
end

-- a bet, or a bet and its win
if A[10] ~= '1' then return refuse('SESSION_EXPIRED', bal) end
if A[11] == '1' then return refuse('PLAYER_BLOCKED', bal) end
if rnd and rnd_closed then return refuse('ROUND_CLOSED', bal) end
local left = add(bal, neg(amount))
if cmp(left, floor) < 0 then return refuse('INSUFFICIENT_FUNDS', bal) end
local after = add(left, win)
if cmp(after, MAX) > 0 then return refuse('LIMIT_EXCEEDED', bal) end
local moves = {}
if amount ~= '0' then moves[#moves + 1] = {'debit', amount} end
if win ~= '0' then moves[#moves + 1] = {'credit', win} end
local won = op == 'bet_and_win'
local state = 'placed'
if won then state = 'won' end
local round_closed = nil
if not rnd then round_closed = false end
if won and win == '0' then round_closed = true end
return commit(state, answer('OK', after), moves, nil, false, round_closed)
"""
)
"""One provider callback, decided and applied in one script."""
