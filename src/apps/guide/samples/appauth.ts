import type { GuideSample } from '../guide.schema.ts';
import { schemeRedirect, type GuideContext } from '../context.ts';
import { kotlinString, swiftString } from '../literals.ts';

/** Mobile apps with AppAuth, which adds PKCE (S256), state and nonce by itself and opens the system browser. */

const schemeOf = (uri: string) => uri.slice(0, uri.indexOf(':'));

export function appAuthIosSample(context: GuideContext): GuideSample {
  const { app, facts } = context;
  const redirect = schemeRedirect(app).uri;
  const scopes = context.signInScope.split(' ').map(swiftString).join(', ');
  const swift = [
    'import AppAuth',
    '',
    `let issuer = URL(string: ${swiftString(facts.issuer)})!`,
    `let redirectURL = URL(string: ${swiftString(redirect)})!`,
    '',
    'OIDAuthorizationService.discoverConfiguration(forIssuer: issuer) { configuration, error in',
    '  guard let configuration else { print("Discovery failed: \\(String(describing: error))"); return }',
    '  let request = OIDAuthorizationRequest(',
    '    configuration: configuration,',
    `    clientId: ${swiftString(app.id)},`,
    '    clientSecret: nil,',
    `    scopes: [${scopes}],`,
    '    redirectURL: redirectURL,',
    '    responseType: OIDResponseTypeCode,',
    '    additionalParameters: nil)',
    '  // Keep the flow alive until the browser comes back (AppAuth\'s README keeps it on the AppDelegate).',
    '  let appDelegate = UIApplication.shared.delegate as! AppDelegate',
    '  appDelegate.currentAuthorizationFlow = OIDAuthState.authState(byPresenting: request, presenting: self) { authState, error in',
    '    if let authState {',
    '      print("Signed in; access token: \\(authState.lastTokenResponse?.accessToken ?? "")")',
    '    } else {',
    '      print("Sign-in failed: \\(String(describing: error))")',
    '    }',
    '  }',
    '}',
  ];
  const plist = [
    '<key>CFBundleURLTypes</key>',
    '<array>',
    '  <dict>',
    '    <key>CFBundleURLSchemes</key>',
    `    <array><string>${escapeXml(schemeOf(redirect))}</string></array>`,
    '  </dict>',
    '</array>',
  ];
  return {
    id: 'appauth-ios',
    platform: 'iOS',
    library: 'AppAuth-iOS',
    summary: 'Sign in from a view controller with AppAuth (the `AppAuth` package, by Swift Package Manager or CocoaPods); it opens an `ASWebAuthenticationSession`.',
    install: null,
    files: [
      { name: 'SignIn.swift', language: 'swift', code: swift.join('\n') },
      { name: 'Info.plist', language: 'xml', code: plist.join('\n') },
    ],
    run: null,
    notes: [
      'Keep `authState` (for example in the Keychain): `authState.performAction(freshTokens:)` refreshes the access token when it expires.',
      ...(context.insecureIssuer ? ['This issuer is plain http, which App Transport Security blocks: allow it for development only (`NSAllowsLocalNetworking`), and use an https issuer in production.'] : []),
    ],
  };
}

export function appAuthAndroidSample(context: GuideContext): GuideSample {
  const { app, facts } = context;
  const redirect = schemeRedirect(app).uri;
  const scopes = context.signInScope.split(' ').map(kotlinString).join(', ');
  const gradle = [
    'dependencies {',
    '    implementation("net.openid:appauth:0.11.1")',
    '}',
    'android {',
    '    defaultConfig {',
    `        manifestPlaceholders["appAuthRedirectScheme"] = ${kotlinString(schemeOf(redirect))}`,
    '    }',
    '}',
  ];
  const kotlin = [
    'import android.net.Uri',
    'import android.util.Log',
    'import androidx.activity.result.contract.ActivityResultContracts',
    'import net.openid.appauth.*',
    '',
    '// In your Activity',
    'private val authService by lazy { AuthorizationService(this) }',
    '',
    'private val signIn = registerForActivityResult(ActivityResultContracts.StartActivityForResult()) { result ->',
    '    val data = result.data ?: return@registerForActivityResult',
    '    val response = AuthorizationResponse.fromIntent(data)',
    '    if (response == null) {',
    '        Log.e("auth", "Sign-in failed", AuthorizationException.fromIntent(data))',
    '        return@registerForActivityResult',
    '    }',
    '    authService.performTokenRequest(response.createTokenExchangeRequest()) { tokens, error ->',
    '        if (tokens != null) Log.i("auth", "Signed in; access token: ${tokens.accessToken}")',
    '        else Log.e("auth", "Token request failed", error)',
    '    }',
    '}',
    '',
    'fun startSignIn() {',
    `    AuthorizationServiceConfiguration.fetchFromIssuer(Uri.parse(${kotlinString(facts.issuer)})) { configuration, error ->`,
    '        if (configuration == null) {',
    '            Log.e("auth", "Discovery failed", error)',
    '            return@fetchFromIssuer',
    '        }',
    '        val request = AuthorizationRequest.Builder(',
    '            configuration,',
    `            ${kotlinString(app.id)},`,
    '            ResponseTypeValues.CODE,',
    `            Uri.parse(${kotlinString(redirect)}),`,
    `        ).setScopes(${scopes}).build()`,
    '        signIn.launch(authService.getAuthorizationRequestIntent(request))',
    '    }',
    '}',
  ];
  return {
    id: 'appauth-android',
    platform: 'Android',
    library: 'AppAuth-Android',
    summary: 'Sign in from an Activity with AppAuth; it opens a Custom Tab and catches the custom-scheme redirect.',
    install: null,
    files: [
      { name: 'build.gradle.kts', language: 'kotlin', code: gradle.join('\n') },
      { name: 'SignInActivity.kt', language: 'kotlin', code: kotlin.join('\n') },
    ],
    run: null,
    notes: [
      'Keep an `AuthState` to refresh tokens with `performActionWithFreshTokens`.',
      ...(context.insecureIssuer ? ['This issuer is plain http, which AppAuth refuses by default: for development only, give `AuthorizationService` an `AppAuthConfiguration` whose connection builder allows http; use an https issuer in production.'] : []),
    ],
  };
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
