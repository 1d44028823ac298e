use std::net::SocketAddr;

use super::*;

fn policy() -> FetchPolicy {
    FetchPolicy::public_https(1024)
}

#[tokio::test]
async fn literal_private_addresses_are_refused_before_connecting() {
    for url in [
        "https://127.0.0.1/a.png",
        "https://10.1.2.3/a.png",
        "https://172.16.0.1/a.png",
        "https://192.168.1.10/a.png",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/a.png",
        "https://0.0.0.0/a.png",
        "https://[::1]/a.png",
        "https://[fe80::1]/a.png",
        "https://[fd00::1]/a.png",
        "https://[::ffff:10.0.0.1]/a.png",
        "https://[64:ff9b::7f00:1]/a.png",
        "https://[2002:c0a8:0101::1]/a.png",
    ] {
        let err = fetch(url, &policy()).await.unwrap_err();
        assert!(matches!(err, FetchError::NotPublic { .. }), "{url}: {err}");
        assert!(err.to_string().contains("public https URL"), "{err}");
    }
}

#[tokio::test]
async fn other_schemes_and_credentials_are_refused() {
    let err = fetch("http://example.com/a.png", &policy())
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Scheme(ref s) if s == "http"),
        "{err}"
    );
    for url in ["file:///etc/passwd", "ftp://example.com/a", "gopher://x/"] {
        assert!(
            matches!(fetch(url, &policy()).await, Err(FetchError::Scheme(_))),
            "{url}"
        );
    }
    let err = fetch("https://user:pw@example.com/a.png", &policy())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Credentials), "{err}");
}

#[tokio::test]
async fn names_are_judged_by_what_they_resolve_to() {
    // localhost resolves through the hosts file, without the internet.
    let err = fetch("https://localhost/a.png", &policy())
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::NotPublic { ref host, address } if host == "localhost" && address.is_loopback()),
        "{err}"
    );
    // One private address in an answer is enough to refuse it (DNS rebinding).
    let answer: Vec<SocketAddr> = vec![
        "93.184.216.34:443".parse().unwrap(),
        "10.0.0.7:443".parse().unwrap(),
    ];
    assert!(check_addresses("cdn.example.com", &answer, false).is_err());
    assert!(check_addresses("cdn.example.com", &answer[..1], false).is_ok());
    assert!(check_addresses("cdn.example.com", &[], false).is_err());
    assert!(check_addresses("cdn.example.com", &answer, true).is_ok());
}

#[test]
fn public_addresses_pass() {
    for ip in [
        "93.184.216.34",
        "8.8.8.8",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
    ] {
        assert!(is_public(ip.parse().unwrap()), "{ip}");
    }
    for ip in [
        "224.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "2001:db8::1",
        "ff02::1",
        "::",
    ] {
        assert!(!is_public(ip.parse().unwrap()), "{ip}");
    }
}

/// A local server for the size, time and redirect caps (private addresses allowed).
async fn local_server() -> SocketAddr {
    use axum::{Router, response::Redirect, routing::get};
    let app = Router::new()
        .route("/small", get(|| async { vec![7_u8; 100] }))
        .route("/big", get(|| async { vec![7_u8; 5000] }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/moved",
            get(|| async { Redirect::temporary("http://127.0.0.1:1/x") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test]
async fn size_time_and_redirects_are_capped() {
    let addr = local_server().await;
    let allowed = FetchPolicy {
        allow_http: true,
        allow_private: true,
        max_bytes: 1024,
        timeout: Duration::from_millis(500),
    };
    let url = |path: &str| format!("http://{addr}{path}");
    assert_eq!(
        fetch(&url("/small"), &allowed).await.unwrap(),
        vec![7_u8; 100]
    );
    let err = fetch(&url("/big"), &allowed).await.unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { limit: 1024, .. }),
        "{err}"
    );
    let err = fetch(&url("/slow"), &allowed).await.unwrap_err();
    assert!(matches!(err, FetchError::TimedOut { .. }), "{err}");
    let err = fetch(&url("/moved"), &allowed).await.unwrap_err();
    assert!(
        matches!(err, FetchError::Redirect { status: 307, .. }),
        "{err}"
    );
    // The same server is refused without the test-only allowances.
    let strict = FetchPolicy {
        allow_http: true,
        ..policy()
    };
    assert!(matches!(
        fetch(&url("/small"), &strict).await,
        Err(FetchError::NotPublic { .. })
    ));
}
