-- bench/wrk.lua — the one wrk script of bench/run (wrk 4, LuaJIT).
--
-- ZTB_MODE selects what each request is:
--   get      GET wrk's URL as is (rows 1, 2, 5)
--   lock     POST /api/seats/lock, request k holds seat k of ZTB_SEATS with
--            token k mod n of ZTB_TOKENS: every request a distinct seat (row 3)
--   contend  POST /api/seats/lock, a random seat of ZTB_SEATS (100) with a
--            random one of the first ZTB_CLIENTS tokens (row 4)
--   scan     POST /api/checkin/scan, request k sends payload k of ZTB_SEATS
--            (a file of ZT1 payloads) with the one token of ZTB_TOKENS, at
--            gate "Gate <thread>": every request a distinct ticket (row 10)
-- ZTB_EVENT is the event id for lock/contend.
--
-- done() prints one line "BENCH {json}" for bench/run: requests, seconds,
-- rps, latency percentiles in microseconds, socket errors and the count of
-- each HTTP status (lock/contend only: counting needs response()).

local mode = os.getenv("ZTB_MODE") or "get"
-- ZTB_ACCEPT_ENCODING: sent as Accept-Encoding (row 9: gzip, as browsers)
if os.getenv("ZTB_ACCEPT_ENCODING") then
  wrk.headers["Accept-Encoding"] = os.getenv("ZTB_ACCEPT_ENCODING")
end
local event = os.getenv("ZTB_EVENT") or ""
local threads = {}
local counter = 0

local function lines(path)
  local t = {}
  for l in io.lines(path) do
    if l ~= "" then t[#t + 1] = l end
  end
  return t
end

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  threads[#threads + 1] = thread
end

local tokens, seats, nthreads, k, clients
local stride = tonumber(os.getenv("ZTB_THREADS") or "2") or 2

function init(args)
  nthreads = counter
  statuses = {}
  if mode == "get" then return end
  tokens = lines(os.getenv("ZTB_TOKENS"))
  seats = lines(os.getenv("ZTB_SEATS"))
  clients = math.min(tonumber(os.getenv("ZTB_CLIENTS") or "0") or 0, #tokens)
  if clients <= 0 then clients = #tokens end
  k = tid
  math.randomseed(os.time() + tid * 7919)
end

local function lock(seat, token)
  return wrk.format("POST", "/api/seats/lock", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, '{"eventId":"' .. event .. '","seatIds":["' .. seat .. '"]}')
end

if mode == "lock" then
  request = function()
    -- thread t of T (ZTB_THREADS, wrk's -t) takes seats t, t + T, ...
    local seat = seats[(k % #seats) + 1]
    local token = tokens[(k % #tokens) + 1]
    k = k + stride
    return lock(seat, token)
  end
elseif mode == "scan" then
  request = function()
    local payload = seats[(k % #seats) + 1]
    k = k + stride
    return wrk.format("POST", "/api/checkin/scan", {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. tokens[1],
    }, '{"eventId":"' .. event .. '","payload":"' .. payload ..
       '","gate":"Gate ' .. tid .. '"}')
  end
elseif mode == "contend" then
  request = function()
    return lock(seats[math.random(#seats)], tokens[math.random(clients)])
  end
end

if mode ~= "get" then
  response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local st = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if type(s) == "table" then
      for code, n in pairs(s) do
        st[tostring(code)] = (st[tostring(code)] or 0) + n
      end
    end
  end
  local parts = {}
  for code, n in pairs(st) do
    parts[#parts + 1] = string.format('"%s":%d', code, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"seconds":%.3f,"rps":%.1f,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"statuses":{%s}}\n',
    summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ",")))
end
