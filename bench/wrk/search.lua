-- Searches for a rotating set of words: some common, some rare, some phrases.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
local queries = {"pacino", "heat", "mann+shootout", "%22coffee+shop%22", "loneliness", "diner",
                 "de+niro", "airport", "los+angeles", "kilmer+reload", "waingro", "nolan"}
local n = 0
function request()
  n = n + 1
  return wrk.format("GET", "/search/?q=" .. queries[(n % #queries) + 1])
end
