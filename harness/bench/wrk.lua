-- The arena's wrk script. Arguments after `--`: depth lo hi check
--   depth  requests per write (pipelining); 1 = one request in flight per connection
--   lo hi  when the path holds "{id}", each request draws an id in [lo, hi]; "-" otherwise
--   check  "1": count every non-2xx response (needs wrk's per-response hook, which costs client CPU)
-- Environment: ARENA_WRK_METHOD, ARENA_WRK_BODY_FILE (request body), ARENA_WRK_SUMMARY (where done()
-- writes its JSON summary: wrk's own text output has no machine-readable form).

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("thread_no", counter)
   table.insert(threads, thread)
end

local template = nil

function init(args)
   local depth = tonumber(args[1]) or 1
   local lo, hi = tonumber(args[2]), tonumber(args[3])
   non2xx = 0
   wrk.method = os.getenv("ARENA_WRK_METHOD") or "GET"
   local body_file = os.getenv("ARENA_WRK_BODY_FILE")
   if body_file then
      local f = assert(io.open(body_file, "rb"))
      wrk.body = f:read("*a")
      f:close()
   end
   if args[4] == "1" then
      response = function(status, headers, body)
         if status < 200 or status > 299 then
            non2xx = non2xx + 1
         end
      end
   end
   if lo and hi then
      -- A fixed seed per thread keeps runs comparable; the spread defeats any per-id cache.
      math.randomseed(7919 * thread_no)
      template = wrk.path
      request = function()
         local path = template:gsub("{id}", tostring(math.random(lo, hi)))
         return wrk.format(nil, path)
      end
   elseif depth > 1 then
      local one = wrk.format()
      local batch = string.rep(one, depth)
      request = function()
         return batch
      end
   end
end

local function num(x)
   if x ~= x or x == math.huge or x == -math.huge then
      return "null"
   end
   return string.format("%.6f", x)
end

function done(summary, latency, requests)
   local non2xx_total = 0
   for _, t in ipairs(threads) do
      non2xx_total = non2xx_total + (t:get("non2xx") or 0)
   end
   local e = summary.errors
   local parts = {
      '"duration_us":' .. summary.duration,
      '"requests":' .. summary.requests,
      '"bytes":' .. summary.bytes,
      '"errors":{"connect":' .. e.connect .. ',"read":' .. e.read .. ',"write":' .. e.write
         .. ',"status":' .. e.status .. ',"timeout":' .. e.timeout .. '}',
      '"non2xx":' .. non2xx_total,
      '"threads":' .. #threads,
      '"latency_us":{"min":' .. num(latency.min) .. ',"max":' .. num(latency.max) .. ',"mean":' .. num(latency.mean)
         .. ',"stdev":' .. num(latency.stdev) .. ',"p50":' .. num(latency:percentile(50))
         .. ',"p90":' .. num(latency:percentile(90)) .. ',"p99":' .. num(latency:percentile(99))
         .. ',"p99.9":' .. num(latency:percentile(99.9)) .. '}',
   }
   local out = assert(io.open(os.getenv("ARENA_WRK_SUMMARY"), "w"))
   out:write("{" .. table.concat(parts, ",") .. "}\n")
   out:close()
end
