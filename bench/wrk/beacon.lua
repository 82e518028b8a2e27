-- The readers' beacon: what count.js sends when an article opens (bench/beacon.py).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BEACON_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded;charset=UTF-8"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 " ..
  "(KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
wrk.headers["Accept-Language"] = "en-GB,en;q=0.9"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
