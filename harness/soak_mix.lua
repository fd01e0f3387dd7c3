-- wrk script of the soak: a fixed cycle over the API's endpoints
-- (plaintext : json : users : echo = 3 : 3 : 3 : 1), every answer a 200, and
-- one machine-readable summary line for harness/soak.py.
local requests = {}
local n = 0

init = function(args)
  local json = { ["Content-Type"] = "application/json" }
  local echo = '{"id":42,"tags":["soak","mixed"],"nested":{"ratio":1.5,"ok":true}}'
  for i = 1, 30 do
    table.insert(requests, wrk.format("GET", "/plaintext"))
    table.insert(requests, wrk.format("GET", "/json"))
    -- ids spread over the valid range 1..1000000
    table.insert(requests, wrk.format("GET", "/users/" .. tostring(i * 33331)))
    if i % 3 == 0 then
      table.insert(requests, wrk.format("POST", "/echo", json, echo))
    end
  end
end

request = function()
  n = n + 1
  return requests[(n % #requests) + 1]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'SOAK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"non_2xx":%d,"timeouts":%d,"latency_p50_us":%d,"latency_p99_us":%d,"latency_max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
