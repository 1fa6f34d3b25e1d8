-- wrk script of bench/run: PATCH /users/{id} with a JSON body, each request with the next
-- bearer token of a pool of distinct valid tokens (round-robin; each wrk thread starts at its own
-- offset), one of 16 target users, and a client-request-id of its own (a GUID naming the run,
-- the thread and the request), so that the audit trail can be checked for exactly one event
-- per request sent.
--
-- Environment: BENCH_TOKENS (file, one token a line), BENCH_THREADS (wrk -t), BENCH_PATH_PREFIX
-- (/users/ or /v1.0/users/), BENCH_RUN (number of this wrk run, 0-65535), BENCH_DELAY_MS (optional: mean
-- pause between a response and the next request on a connection, drawn uniformly from
-- [0.5, 1.5] times it so that connections do not fire in step; paces the load to about
-- connections * 1000 / (delay + latency) requests/s).
-- done() prints "requests sent: <total> <thread 0> <thread 1> ...", counted where each request is
-- written; thread t's requests carry the numbers 1 to its count.

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

-- sent is a global so that done() can read it from each thread with thread:get.
local heads, tails, position, count, run, delay_ms
sent = 0

function init(args)
   local tokens = {}
   for line in io.lines(os.getenv("BENCH_TOKENS")) do
      if #line > 0 then
         tokens[#tokens + 1] = line
      end
   end
   local prefix = os.getenv("BENCH_PATH_PREFIX") or "/users/"
   run = tonumber(os.getenv("BENCH_RUN") or "0")
   delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
   local targets = {}
   for i = 1, 16 do
      targets[i] = string.format("87d349ed-44d7-43e1-9a83-%012x", 0x5f2406dee500 + i)
   end
   local body = '{"displayName":"Adele Vance","jobTitle":"Product Marketing Manager","department":"Marketing"}'
   -- Each request is written as head .. client-request-id .. tail; only the id changes per request.
   heads, tails = {}, {}
   for i, token in ipairs(tokens) do
      local path = prefix .. targets[(i - 1) % #targets + 1]
      heads[i] = "PATCH " .. path .. " HTTP/1.1\r\n"
         .. "Host: " .. wrk.host .. ":" .. wrk.port .. "\r\n"
         .. "Authorization: Bearer " .. token .. "\r\n"
         .. "Content-Type: application/json\r\n"
         .. "Accept: application/json\r\n"
         .. "Content-Length: " .. #body .. "\r\n"
         .. "client-request-id: "
      tails[i] = "\r\n\r\n" .. body
   end
   count = #tokens
   position = math.floor(index * count / tonumber(os.getenv("BENCH_THREADS") or "2"))
   -- wrk (4.x) calls request() once on its first thread to check the request before any is
   -- sent; that call gets number 0 and is not counted.
   sent = (index == 0) and -1 or 0
   math.randomseed(run * 1000 + index)
end

function request()
   position = position % count + 1
   sent = sent + 1
   return heads[position] .. string.format("%04x%04x-0000-4000-8000-%012x", run, index, sent) .. tails[position]
end

if tonumber(os.getenv("BENCH_DELAY_MS") or "0") > 0 then
   function delay()
      return math.floor(delay_ms * (0.5 + math.random()))
   end
end

function done(summary, latency, requests)
   local total, each = 0, {}
   for i, thread in ipairs(threads) do
      each[i] = thread:get("sent") or 0
      total = total + each[i]
   end
   io.write(string.format("requests sent: %d %s\n", total, table.concat(each, " ")))
end
