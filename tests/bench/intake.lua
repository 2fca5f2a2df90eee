-- wrk script for the intake benchmark. With no argument: POST /v1/messages with a realistic
-- body, a unique external_id per request (thread prefix + counter) and 1,000 distinct
-- customers. With the argument "telegram" (wrk ... -- telegram): the same texts as Telegram
-- Updates posted to the bot "bench" (its secret token header, a unique update_id and message_id,
-- 1,000 chats). With "new": the API body, but every request from a new customer (each one opens
-- a conversation: contact, classification, routing, acknowledgement).
-- A second argument (a number) keeps the external ids of wrk processes run side by side apart.
-- done() prints one machine-readable line: "RESULT rps p50_ms p99_ms p999_ms non2xx requests".

local threads = {}
local texts = {
  "My dishwasher shows error code E15 and will not start, I have tried to restart it twice.",
  "投影仪开机后没有画面，指示灯一直闪红灯，已经换过电源线了，请帮忙看看怎么处理。",
  "I was charged twice for my last order, please refund the duplicate payment as soon as possible.",
  "洗碗機不出水，面板顯示錯誤代碼，說明書上的方法都試過了，還是沒有用，請盡快安排維修。",
  "The parcel tracking has not moved for five days, can you tell me where my delivery is now?",
}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  non2xx = 0
  telegram = args[1] == "telegram"
  fresh = args[1] == "new"
  -- A second argument tells apart wrk processes run side by side (their external ids).
  run_id = tonumber(args[2]) or 0
end

function request()
  counter = counter + 1
  if telegram then
    local chat = 7000000 + counter % 1000
    local update = string.format(
      '{"update_id":%d,"message":{"message_id":%d,"date":1733100000,' ..
      '"chat":{"id":%d,"type":"private","first_name":"Customer"},' ..
      '"from":{"id":%d,"is_bot":false,"first_name":"Customer","language_code":"en"},"text":"%s"}}',
      tid * 100000000 + counter, tid * 100000000 + counter, chat, chat, texts[counter % #texts + 1])
    return wrk.format("POST", "/webhooks/telegram/bench",
      {["Content-Type"] = "application/json", ["X-Telegram-Bot-Api-Secret-Token"] = "bench-secret"},
      update)
  end
  local who = fresh and string.format("%d-%d-%d", run_id, tid, counter) or tostring(counter % 1000)
  local body = string.format(
    '{"from":{"id":"cust-%s","name":"Customer %s","email":"c%s@example.com"},' ..
    '"text":"%s","external_id":"bench-%d-%d-%d","locale":"en"}',
    who, who, who, texts[counter % #texts + 1], run_id or 0, tid, counter)
  return wrk.format("POST", "/v1/messages", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT %.0f %.3f %.3f %.3f %d %d\n",
    summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, bad, summary.requests))
end
