-- wrk script: PATCH /users/{id} with a JSON body and the bearer token from the environment.
wrk.method = "PATCH"
wrk.body = '{"displayName":"Adele Vance","jobTitle":"Soak"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SOAK_TOKEN")
