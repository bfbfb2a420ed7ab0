//! The `RedisServer` helper against the real binary.

use mosaic_testing::RedisServer;

#[test]
fn starts_answers_stops_and_restarts_on_the_same_port() {
    let mut redis = RedisServer::start().expect("redis-server must be installed");
    assert!(redis.is_running());
    assert!(redis.ping());
    assert_eq!(redis.url(), format!("redis://127.0.0.1:{}/", redis.port()));
    assert_eq!(redis.starts(), 1);

    assert_eq!(redis.command(&["SET", "k", "v"]).unwrap(), b"+OK\r\n");
    assert_eq!(redis.command(&["GET", "k"]).unwrap(), b"$1\r\nv\r\n");

    let port = redis.port();
    redis.stop().unwrap();
    assert!(!redis.is_running());
    assert!(!redis.ping());
    assert!(redis.command(&["PING"]).is_err());
    redis.stop().unwrap(); // idempotent

    redis.restart().unwrap();
    assert_eq!(redis.port(), port);
    assert!(redis.ping());
    assert_eq!(redis.starts(), 2);
    // persistence is off: the dataset is empty after a restart
    assert_eq!(redis.command(&["GET", "k"]).unwrap(), b"$-1\r\n");
    redis.command(&["SET", "a", "1"]).unwrap();
    redis.flush_all().unwrap();
    assert_eq!(redis.command(&["DBSIZE"]).unwrap(), b":0\r\n");
}

#[test]
fn drop_kills_the_server() {
    let redis = RedisServer::start().unwrap();
    let addr = redis.addr();
    drop(redis);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn two_servers_get_different_ports() {
    let a = RedisServer::start().unwrap();
    let b = RedisServer::start().unwrap();
    assert_ne!(a.port(), b.port());
    assert!(a.ping() && b.ping());
}

#[test]
fn extra_arguments_reach_the_server() {
    let redis = RedisServer::start_with_args(["--databases", "3"]).unwrap();
    let reply = redis.command(&["SELECT", "5"]).unwrap();
    assert!(
        reply.starts_with(b"-"),
        "SELECT 5 must fail with 3 databases"
    );
    assert_eq!(redis.command(&["SELECT", "2"]).unwrap(), b"+OK\r\n");
}
