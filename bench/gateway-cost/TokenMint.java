import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Mints the caller tokens of bench/run with the JDK alone (run as {@code java TokenMint.java}):
 * one RSA key, its JWKS, and N distinct RS256 access tokens shaped like Entra ID v2.0
 * delegated tokens for the gateway's API (iss from the {tenantid} template, aud, tid, scp,
 * oid, upn, azp, exp/nbf/iat). Each token has its own jti, oid and upn, so the gateway sees
 * N different callers and must verify N different signatures.
 *
 * <p>
 * Usage: {@code java TokenMint.java <out dir> <count> <issuer base> <tenant> <audience>
 * <hours valid>}; writes {@code tokens.txt} (one token a line) and {@code jwks.json}.
 */
public class TokenMint {

	private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

	public static void main(String[] args) throws IOException, GeneralSecurityException {
		if (args.length != 6) {
			System.err.println("usage: java TokenMint.java <out dir> <count> <issuer base> <tenant> <audience> <hours>");
			System.exit(2);
		}
		Path out = Path.of(args[0]);
		int count = Integer.parseInt(args[1]);
		String issuerBase = args[2];
		String tenant = args[3];
		String audience = args[4];
		long hours = Long.parseLong(args[5]);
		KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
		generator.initialize(2048);
		KeyPair keys = generator.generateKeyPair();
		String kid = "bench-" + UUID.randomUUID();
		RSAPublicKey publicKey = (RSAPublicKey) keys.getPublic();
		Files.createDirectories(out);
		Files.writeString(out.resolve("jwks.json"),
				"{\"keys\":[{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"n\":\""
						+ unsigned(publicKey.getModulus()) + "\",\"e\":\"" + unsigned(publicKey.getPublicExponent())
						+ "\"}]}\n");
		String header = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}");
		long now = Instant.now().getEpochSecond();
		Signature signer = Signature.getInstance("SHA256withRSA");
		List<String> tokens = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			String oid = UUID.randomUUID().toString();
			String claims = "{\"aud\":\"" + audience + "\",\"iss\":\"" + issuerBase + "/" + tenant + "/v2.0\""
					+ ",\"iat\":" + now + ",\"nbf\":" + now + ",\"exp\":" + (now + hours * 3600)
					+ ",\"azp\":\"5a9d0000-0000-4000-8000-00000000be9c\",\"azpacr\":\"1\""
					+ ",\"name\":\"Bench User " + i + "\",\"oid\":\"" + oid + "\""
					+ ",\"preferred_username\":\"bench.user" + i + "@bench.example\""
					+ ",\"scp\":\"DeviceManagementApps.ReadWrite.All\",\"sub\":\"" + oid + "\""
					+ ",\"tid\":\"" + tenant + "\",\"upn\":\"bench.user" + i + "@bench.example\""
					+ ",\"uti\":\"" + UUID.randomUUID() + "\",\"ver\":\"2.0\",\"jti\":\"" + UUID.randomUUID() + "\"}";
			String signingInput = header + "." + b64(claims);
			signer.initSign(keys.getPrivate());
			signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
			tokens.add(signingInput + "." + B64.encodeToString(signer.sign()));
		}
		Files.write(out.resolve("tokens.txt"), tokens);
		System.out.println("minted " + count + " tokens, kid " + kid);
	}

	private static String b64(String json) {
		return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
	}

	/** JWK integers are unsigned big-endian: drop BigInteger's sign byte. */
	private static String unsigned(BigInteger value) {
		byte[] bytes = value.toByteArray();
		if (bytes.length > 1 && bytes[0] == 0) {
			byte[] trimmed = new byte[bytes.length - 1];
			System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
			bytes = trimmed;
		}
		return B64.encodeToString(bytes);
	}

}
